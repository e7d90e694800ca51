#include "nn/threshold_sweep.hpp"

namespace quintet {

double ThresholdSweep::f1(int k) const {
    double tp = true_positive[std::size_t(k)], fp = false_positive[std::size_t(k)], fn = positives - tp;
    return tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0.0;
}

double ThresholdSweep::best_threshold(double fallback) const {
    if (positives <= 0) return fallback;
    int best = 1;  // threshold 0 would turn every cell on
    for (int k = 2; k < kBins; ++k)
        if (f1(k) > f1(best)) best = k;
    return double(best) / kBins;
}

void ThresholdSweep::add(const torch::Tensor& decoded, const torch::Tensor& notes) {
    // A cell is on at threshold k/bins when y >= k/bins, i.e. when its bin floor(y * bins) >= k: histograms
    // of the bins of note and silent cells give every threshold's counts at once.
    auto bin = (decoded * kBins).floor().clamp(0, kBins - 1).to(torch::kLong).flatten().cpu();
    auto note = (notes > 0).flatten().cpu();
    auto on_notes = torch::bincount(bin.masked_select(note), {}, kBins).to(torch::kDouble);
    auto on_silence = torch::bincount(bin.masked_select(~note), {}, kBins).to(torch::kDouble);
    // counts at threshold k = cells in bins >= k: reverse cumulative sums.
    auto tp = on_notes.flip(0).cumsum(0).flip(0).contiguous();
    auto fp = on_silence.flip(0).cumsum(0).flip(0).contiguous();
    for (int k = 0; k < kBins; ++k) {
        true_positive[std::size_t(k)] += tp.data_ptr<double>()[k];
        false_positive[std::size_t(k)] += fp.data_ptr<double>()[k];
    }
    positives += double(note.sum().item<std::int64_t>());
}

}  // namespace quintet
