#pragma once
// The small text files of a VAE-NN run directory (no torch): model.json (what the checkpoints hold),
// config.json (the settings and data summary) and curve.csv (one row per epoch).
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "train/vae_nn_config.hpp"

namespace quintet {

inline constexpr const char* kVaeNnModelKind = "vae-nn";
inline constexpr int kVaeNnFormat = 1;

// model.json: written before any checkpoint; checked before loading one.
struct VaeNnRunInfo {
    std::string model = kVaeNnModelKind;
    int format = kVaeNnFormat;
    int latent = 16;
    std::string likelihood = "gaussian";
    std::string latent_nets = "direct";  // "residual": the nets predict the change (models/latent_nets.hpp)
    std::filesystem::path corpus;  // the store it was trained on (absolute), for --seed-from-corpus
    int resolution = 2;            // steps per beat of the windows
    int window = 32;               // steps per window
    // Per instrument (VAE-NN order), the decoded-value threshold with the best reconstruction F1 on the
    // valid split, set when the VAE stage ends (train/threshold_calibration.hpp); generation's default.
    std::optional<std::array<double, 5>> thresholds;
};

void write_run_info(const std::filesystem::path& run_dir, const VaeNnRunInfo& info);
// Throws UsageError when run_dir or its model.json is missing, FormatError when model.json is malformed
// or describes another model or format.
VaeNnRunInfo read_run_info(const std::filesystem::path& run_dir);

// Per-split data summary, written into config.json.
struct DataSummary {
    std::string split;
    std::size_t songs = 0;
    long long windows = 0, pairs = 0;
    std::vector<long long> non_empty;  // per instrument, VAE-NN order
};
void write_config_json(const std::filesystem::path& run_dir, const VaeNnTrainConfig& config,
                       const std::vector<DataSummary>& data);

// curve.csv: header + one row per epoch. Rows are kept in memory and rewritten atomically each epoch.
class CurveFile {
public:
    explicit CurveFile(std::filesystem::path path);
    // Re-reads the rows of an earlier run up to (stage, epoch) inclusive (for --resume).
    void load_until(int stage, int epoch);
    void add(const EpochRecord& r);
    const std::vector<EpochRecord>& rows() const { return rows_; }
    const std::filesystem::path& path() const { return path_; }

private:
    void write() const;
    std::filesystem::path path_;
    std::vector<EpochRecord> rows_;
};

}  // namespace quintet
