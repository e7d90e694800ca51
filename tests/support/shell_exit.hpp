#pragma once
// Runs a shell command line and returns its exit status (-1 when it did not exit normally, e.g. a signal).
#include <sys/wait.h>

#include <cstdlib>
#include <string>

namespace quintet::test {

inline int shell_exit(const std::string& cmd) {
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace quintet::test
