#pragma once
// model.json of a VAE-NN run (no torch): what its checkpoints hold, written before any checkpoint and
// checked before loading one.
#include <array>
#include <filesystem>
#include <optional>
#include <string>

#include "systems/vae_nn/song_prior.hpp"

namespace quintet {

inline constexpr const char* kVaeNnModelKind = "vae-nn";
inline constexpr int kVaeNnFormat = 1;

struct VaeNnRunInfo {
    std::string model = kVaeNnModelKind;
    int format = kVaeNnFormat;
    int latent = 16;
    std::string likelihood = "gaussian";
    std::string latent_nets = "direct";  // "residual": the nets predict the change (latent_nets.hpp)
    std::filesystem::path corpus;  // the store it was trained on (absolute), for --seed-from-corpus
    int resolution = 2;            // steps per beat of the windows
    int window = 32;               // steps per window
    // Per instrument (VAE-NN order), the decoded-value threshold with the best reconstruction F1 on the
    // valid split, set when the VAE stage ends (threshold_calibration.hpp); generation's default.
    std::optional<std::array<double, 5>> thresholds;
    // The train split's band, repetition and polyphony (song_prior.hpp), measured before training; absent in
    // runs trained before it existed (generation then applies none of it).
    std::optional<SongPrior> prior;
};

void write_run_info(const std::filesystem::path& run_dir, const VaeNnRunInfo& info);
// Throws UsageError when run_dir or its model.json is missing, FormatError when model.json is malformed
// or describes another model or format.
VaeNnRunInfo read_run_info(const std::filesystem::path& run_dir);

}  // namespace quintet
