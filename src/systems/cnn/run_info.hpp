#pragma once
// model.json of a CNN run (no torch): what its checkpoints hold, written before any checkpoint and read
// before one is loaded; the calibrated thresholds and the note densities generation uses.
#include <array>
#include <filesystem>
#include <optional>
#include <string>

namespace quintet {

inline constexpr const char* kCnnModelKind = "cnn";
inline constexpr int kCnnFormat = 1;
// The threshold of an instrument that neither the valid nor the train split has a note of (no F1 to pick by).
inline constexpr double kCnnUncalibratedThreshold = 0.3;

struct CnnRunInfo {
    std::string harmony_encoders = "shared";
    std::string loss = "bce";
    std::filesystem::path corpus;  // the store it was trained on (absolute), for corpus seed blocks
    // Per instrument (piano, guitar, bass, strings, drums): the output threshold with the best F1 of its
    // net's predictions on the valid split, set when training ends; generation's default.
    std::optional<std::array<double, 5>> thresholds;
    // Per instrument: the share of note cells in the train windows (random seed blocks draw with it).
    std::array<double, 5> density{};
};

void write_cnn_run_info(const std::filesystem::path& run_dir, const CnnRunInfo& info);
// UsageError when run_dir or its model.json is missing; FormatError when model.json is malformed or
// describes another model.
CnnRunInfo read_cnn_run_info(const std::filesystem::path& run_dir);

}  // namespace quintet
