#pragma once
// Checkpoints of any system: torch archives written atomically. An archive holds a header of named
// integers that says which model it is (checked before any weight is read, so a checkpoint of another
// model or size fails with one clear line), named modules, and, for last.pt, named optimisers and the
// training position, so --resume continues exactly where training stopped.
#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace quintet {

struct TrainPosition {
    int stage = 1;       // 1-based stage of the system's training; past the last stage = finished
    int epoch = 0;       // epochs completed in the current stage
    double best_valid = std::numeric_limits<double>::infinity();
    int bad_epochs = 0;  // epochs since the last improvement (early stopping)
};

struct CheckpointField {
    std::string key;
    std::int64_t value = 0;
    // How a value reads in a message ("K=16"); null: "key value".
    std::string (*describe)(std::int64_t) = nullptr;
};

// What a checkpoint of one system holds. The first header field marks the kind: a checkpoint without it
// is "not a <kind_name> checkpoint".
struct CheckpointLayout {
    std::string kind_name;
    std::vector<CheckpointField> header;
    std::vector<std::pair<std::string, torch::nn::Module*>> modules;
    std::vector<std::pair<std::string, torch::optim::Optimizer*>> optimizers;  // last.pt only
};

// Both writers do nothing on the ranks of a distributed job other than rank 0 (nn/data_parallel.hpp).
// The best weights (header + modules). IoError, with the previous file intact and no temporary file
// left, when the file cannot be written (a full disk included).
void save_weights(const std::filesystem::path& file, const CheckpointLayout& layout);
// Loads the modules onto the device of their parameters; FormatError on another model or a broken file.
void load_weights(const std::filesystem::path& file, const CheckpointLayout& layout);

// Everything --resume needs: header, modules, optimisers, position.
void save_checkpoint(const std::filesystem::path& file, const CheckpointLayout& layout, const TrainPosition& position);
TrainPosition load_checkpoint(const std::filesystem::path& file, const CheckpointLayout& layout);

}  // namespace quintet
