#include "util/local_ranks.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <thread>

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {

using Clock = std::chrono::steady_clock;

std::vector<std::string> rank_command_line(const std::vector<std::string>& arguments) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const std::string& a = arguments[i];
        if (a == "--nproc") {
            ++i;  // and its value
            continue;
        }
        if (a.rfind("--nproc=", 0) == 0 || a == "--distributed") continue;
        out.push_back(a);
    }
    out.push_back("--distributed");
    return out;
}

std::vector<std::string> own_command_line() {
    const std::string raw = read_file("/proc/self/cmdline");
    std::vector<std::string> args;
    std::size_t start = 0;
    while (start < raw.size()) {
        const std::size_t end = raw.find('\0', start);
        args.push_back(raw.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return args;
}

int free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw IoError(std::string("--nproc: cannot open a socket: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        const int err = errno;
        ::close(fd);
        throw IoError(std::string("--nproc: cannot find a free port on 127.0.0.1: ") + std::strerror(err));
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

namespace {

std::string describe_status(int status) {
    if (WIFSIGNALED(status)) return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
    return "exited with status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

void run_local_ranks(int processes, const std::vector<std::string>& arguments, std::chrono::milliseconds grace) {
    if (processes < 1) throw UsageError("--nproc must be at least 1");
    if (arguments.empty()) throw UsageError("--nproc: no command line to start");
    const char* addr_env = std::getenv("MASTER_ADDR");
    const char* port_env = std::getenv("MASTER_PORT");
    const std::string addr = addr_env && *addr_env ? addr_env : "127.0.0.1";
    const std::string port = port_env && *port_env ? port_env : std::to_string(free_loopback_port());

    std::vector<char*> argv;
    for (const auto& a : arguments) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<pid_t> pids;
    for (int r = 0; r < processes; ++r) {
        const pid_t pid = ::fork();
        if (pid < 0) {
            for (pid_t p : pids) ::kill(p, SIGKILL);
            throw IoError(std::string("--nproc: cannot start rank ") + std::to_string(r) + ": " + std::strerror(errno));
        }
        if (pid == 0) {
            setenv("MASTER_ADDR", addr.c_str(), 1);
            setenv("MASTER_PORT", port.c_str(), 1);
            setenv("RANK", std::to_string(r).c_str(), 1);
            setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
            setenv("WORLD_SIZE", std::to_string(processes).c_str(), 1);
            setenv("LOCAL_WORLD_SIZE", std::to_string(processes).c_str(), 1);
            ::execv("/proc/self/exe", argv.data());
            std::fprintf(stderr, "quintet: --nproc: cannot run rank %d: %s\n", r, std::strerror(errno));
            std::_Exit(127);
        }
        pids.push_back(pid);
    }

    // Wait for every rank; after the first failure the rest get `grace`, then SIGKILL.
    std::vector<bool> done(pids.size(), false);
    std::size_t left = pids.size();
    int failed_rank = -1, failed_status = 0;
    Clock::time_point deadline = Clock::time_point::max();
    while (left > 0) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, failed_rank < 0 ? 0 : WNOHANG);
        if (pid > 0) {
            for (std::size_t r = 0; r < pids.size(); ++r) {
                if (pids[r] != pid || done[r]) continue;
                done[r] = true;
                --left;
                const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
                if (!ok && failed_rank < 0) {
                    failed_rank = int(r);
                    failed_status = status;
                    deadline = Clock::now() + grace;
                }
            }
            continue;
        }
        if (pid < 0 && errno != EINTR) break;
        if (Clock::now() >= deadline) {
            for (std::size_t r = 0; r < pids.size(); ++r)
                if (!done[r]) ::kill(pids[r], SIGKILL);
            deadline = Clock::time_point::max();  // reaped by the next waits
            continue;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (failed_rank >= 0)
        throw Error("--nproc: rank " + std::to_string(failed_rank) + " " + describe_status(failed_status) +
                    "; the job stopped");
}

}  // namespace quintet
