#pragma once
// Decision thresholds for decoded rolls, chosen by note-cell F1: a model trained briefly on sparse rolls
// decodes notes as values well below 0.5 (docs/RESULTS.md), so a fixed threshold silences some channels
// and floods others. The sweep counts every candidate threshold in one pass over held-out data.
#include <torch/torch.h>

#include <array>

namespace quintet {

// Note-cell counts of thresholded values, per candidate threshold (k / kBins, k = 0..kBins-1).
struct ThresholdSweep {
    static constexpr int kBins = 200;
    std::array<double, kBins> true_positive{}, false_positive{};
    double positives = 0;  // cells with a note in the data
    // Best-F1 threshold (the lowest of equal ones); `fallback` when there are no positives at all.
    double best_threshold(double fallback) const;
    double f1(int k) const;
    // Adds decoded values in [0, 1] and the matching note cells (bool or any tensor where > 0 is a note).
    void add(const torch::Tensor& decoded, const torch::Tensor& notes);
};

}  // namespace quintet
