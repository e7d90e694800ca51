#include "cli/hand_over.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "util/error.hpp"

namespace quintet::cli {

namespace fs = std::filesystem;

bool needs_models(int argc, char** argv) {
    if (argc < 2) return false;
    const std::string command = argv[1];
    if (command == "train" || command == "generate" || command == "studio") return true;
    if (command != "eval") return false;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--model" || a.rfind("--model=", 0) == 0) return true;
    }
    return false;
}

fs::path nn_binary_path() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return {};
    return self.parent_path() / "quintet-nn";
}

int hand_over(int argc, char** argv) {
    const fs::path nn = nn_binary_path();
    std::error_code ec;
    if (nn.empty() || !fs::is_regular_file(nn, ec))
        throw UsageError(std::string(argv[1]) + " needs the networks: " + (nn.empty() ? std::string("quintet-nn") : nn.string()) +
                         " is missing (this build has no LibTorch, or quintet-nn was not built)");
    setenv("OMP_WAIT_POLICY", "passive", 0);
    std::string name = nn.string();
    argv[0] = name.data();
    (void)argc;
    execv(name.c_str(), argv);
    throw IoError(name + ": cannot start: " + std::strerror(errno));
}

}  // namespace quintet::cli
