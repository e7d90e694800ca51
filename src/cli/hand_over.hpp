#pragma once
// `quintet` loads no LibTorch (0.8 s and 170 MiB before any work): the commands that use a model run in
// `quintet-nn`, the LibTorch binary beside it, which gets the same arguments.
#include <filesystem>

namespace quintet::cli {

// train, generate, studio (it generates in-process: docs/studio.md), and eval with --model.
bool needs_models(int argc, char** argv);

// quintet-nn beside this executable ("" when this binary's path cannot be read).
std::filesystem::path nn_binary_path();

// Replaces this process with quintet-nn (OMP_WAIT_POLICY=passive unless set: see nn/runtime.hpp); returns
// only by throwing: UsageError when this build has no quintet-nn.
int hand_over(int argc, char** argv);

}  // namespace quintet::cli
