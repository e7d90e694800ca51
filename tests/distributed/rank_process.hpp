#pragma once
// Starting `quintet` as separate processes for the distributed tests: with torchrun's variables set by hand
// (one rank each), or with --nproc; stdout and stderr go to files in the test's folder.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "util/atomic_file.hpp"

namespace quintet::test {

struct RankProcess {
    pid_t pid = -1;
    std::filesystem::path out, err;
};

// Runs build/quintet with `args` (split on spaces) and the extra environment; returns at once.
inline RankProcess start_quintet(const std::string& args, const std::map<std::string, std::string>& env,
                                 const std::filesystem::path& dir, const std::string& name) {
    RankProcess p{-1, dir / (name + ".out"), dir / (name + ".err")};
    std::vector<std::string> words{QUINTET_BINARY_DIR "/quintet"};
    std::string word;
    for (char c : args + " ") {
        if (c == ' ') {
            if (!word.empty()) words.push_back(word);
            word.clear();
        } else {
            word += c;
        }
    }
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    std::fflush(stdout);  // else the child's copy of unwritten output is written twice
    std::fflush(stderr);
    p.pid = ::fork();
    if (p.pid == 0) {
        for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
        if (!std::freopen(p.out.c_str(), "w", stdout) || !std::freopen(p.err.c_str(), "w", stderr)) std::_Exit(126);
        ::execv(argv[0], argv.data());
        std::_Exit(127);
    }
    return p;
}

struct Finished {
    bool exited = false;  // within the time allowed
    int code = -1;        // exit status (-1: killed by a signal)
    double seconds = 0;
};

// Waits up to `limit`; a process still running then is killed (and reported as not exited).
inline Finished wait_for(const RankProcess& p, std::chrono::milliseconds limit) {
    const auto t0 = std::chrono::steady_clock::now();
    Finished f;
    while (true) {
        int status = 0;
        const pid_t r = ::waitpid(p.pid, &status, WNOHANG);
        f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (r == p.pid) {
            f.exited = true;
            f.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            return f;
        }
        if (std::chrono::steady_clock::now() - t0 > limit) {
            ::kill(p.pid, SIGKILL);
            ::waitpid(p.pid, &status, 0);
            return f;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

inline std::map<std::string, std::string> rank_env(int rank, int world, int port) {
    return {{"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", std::to_string(port)}, {"RANK", std::to_string(rank)},
            {"WORLD_SIZE", std::to_string(world)}, {"LOCAL_RANK", std::to_string(rank)},
            {"LOCAL_WORLD_SIZE", std::to_string(world)}, {"QUINTET_THREADS", "1"}};
}

}  // namespace quintet::test
