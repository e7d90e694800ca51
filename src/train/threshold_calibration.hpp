#pragma once
// Per-instrument decision thresholds for the decoded rolls. A briefly trained VAE on sparse rolls decodes
// notes as values well below 0.5 (docs/RESULTS.md), so one fixed threshold silences some instruments and
// floods others; the threshold with the best reconstruction F1 on held-out windows is a per-model fact.
#include <torch/torch.h>

#include <array>
#include <cstdint>

#include "models/vae_nn_model.hpp"
#include "train/window_data.hpp"

namespace quintet {

// Note-cell counts of thresholded reconstructions, per candidate threshold (k / kBins, k = 0..kBins-1).
struct ThresholdSweep {
    static constexpr int kBins = 200;
    std::array<double, kBins> true_positive{}, false_positive{};
    double positives = 0;  // cells with a note in the data
    // Best-F1 threshold (the lowest of equal ones); `fallback` when there are no positives at all.
    double best_threshold(double fallback) const;
    double f1(int k) const;
};

// Encodes every window (means), decodes, and sweeps the thresholds for each instrument (VAE-NN order).
std::array<ThresholdSweep, 5> sweep_thresholds(VaeNnModel& model, const WindowData& data, const torch::Device& device,
                                               int batch);

// Thresholds per instrument from the valid windows, or the train windows for an instrument that has no
// notes in the valid split; 0.3 (the original's value) where neither has any.
std::array<double, 5> calibrate_thresholds(VaeNnModel& model, const WindowData& valid, const WindowData& train,
                                           const torch::Device& device, int batch);

}  // namespace quintet
