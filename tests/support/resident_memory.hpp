#pragma once
// This process's resident memory (VmRSS of /proc/self/status) in KiB, -1 where it cannot be read.
#include <fstream>
#include <string>

namespace quintet::test {

inline long resident_kib() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

}  // namespace quintet::test
