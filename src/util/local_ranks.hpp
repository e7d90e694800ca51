#pragma once
// `--nproc N`: one machine's data-parallel job started by Quintet itself, as torchrun would start it: N copies
// of this program, each told its place through torchrun's variables. No torch here (POSIX processes).
#include <chrono>
#include <string>
#include <vector>

namespace quintet {

// This process's command line (/proc/self/cmdline) for a rank: "--nproc N" / "--nproc=N" removed and
// "--distributed" added. `arguments` replaces /proc/self/cmdline (tests).
std::vector<std::string> rank_command_line(const std::vector<std::string>& arguments);
std::vector<std::string> own_command_line();

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice).
int free_loopback_port();

// Starts `processes` ranks of this executable with `arguments` (argv[0] first) and MASTER_ADDR (kept when
// set, else 127.0.0.1), MASTER_PORT (kept when set, else a free port), RANK, WORLD_SIZE, LOCAL_RANK and
// LOCAL_WORLD_SIZE, and waits for them. When a rank fails, the others get `grace` to stop by themselves (a
// lost peer ends their collectives) before they are killed; then Error naming the rank, in one line.
void run_local_ranks(int processes, const std::vector<std::string>& arguments, std::chrono::milliseconds grace);

}  // namespace quintet
