#include "train/threshold_calibration.hpp"

#include <algorithm>

namespace quintet {

namespace {
constexpr double kOriginalThreshold = 0.3;  // the original code's fixed threshold (SEED-SPEC 9.1)
}

double ThresholdSweep::f1(int k) const {
    double tp = true_positive[k], fp = false_positive[k], fn = positives - tp;
    return tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0.0;
}

double ThresholdSweep::best_threshold(double fallback) const {
    if (positives <= 0) return fallback;
    int best = 1;  // threshold 0 would turn every cell on
    for (int k = 2; k < kBins; ++k)
        if (f1(k) > f1(best)) best = k;
    return double(best) / kBins;
}

std::array<ThresholdSweep, 5> sweep_thresholds(VaeNnModel& model, const WindowData& data, const torch::Device& device,
                                               int batch) {
    torch::NoGradGuard no_grad;
    model->eval();
    std::array<ThresholdSweep, 5> sweeps;
    const int bins = ThresholdSweep::kBins;
    for (std::int64_t first = 0; first < data.size(); first += batch) {
        auto count = std::min<std::int64_t>(batch, data.size() - first);
        auto x = to_unit_float(data.rolls.narrow(0, first, count), device);
        for (int i = 0; i < kVaeInstruments; ++i) {
            auto xi = x.select(1, i);
            auto y = model->vae(i)->reconstruct(model->vae(i)->means(xi));
            // A cell is on at threshold k/bins when y >= k/bins, i.e. when its bin floor(y * bins) >= k:
            // histograms of the bins of note and silent cells give every threshold's counts at once.
            auto bin = (y * bins).floor().clamp(0, bins - 1).to(torch::kLong).flatten().cpu();
            auto note = (xi > 0).flatten().cpu();
            auto on_notes = torch::bincount(bin.masked_select(note), {}, bins).to(torch::kDouble);
            auto on_silence = torch::bincount(bin.masked_select(~note), {}, bins).to(torch::kDouble);
            // counts at threshold k = cells in bins >= k: reverse cumulative sums.
            auto tp = on_notes.flip(0).cumsum(0).flip(0).contiguous();
            auto fp = on_silence.flip(0).cumsum(0).flip(0).contiguous();
            auto& s = sweeps[i];
            for (int k = 0; k < bins; ++k) {
                s.true_positive[k] += tp.data_ptr<double>()[k];
                s.false_positive[k] += fp.data_ptr<double>()[k];
            }
            s.positives += double(note.sum().item<std::int64_t>());
        }
    }
    return sweeps;
}

std::array<double, 5> calibrate_thresholds(VaeNnModel& model, const WindowData& valid, const WindowData& train,
                                           const torch::Device& device, int batch) {
    auto sweeps = sweep_thresholds(model, valid, device, batch);
    std::array<double, 5> out{};
    bool need_train = false;
    for (int i = 0; i < kVaeInstruments; ++i) need_train |= sweeps[i].positives <= 0;
    std::array<ThresholdSweep, 5> train_sweeps;
    if (need_train) train_sweeps = sweep_thresholds(model, train, device, batch);
    for (int i = 0; i < kVaeInstruments; ++i)
        out[i] = sweeps[i].positives > 0 ? sweeps[i].best_threshold(kOriginalThreshold)
                                         : train_sweeps[i].best_threshold(kOriginalThreshold);
    return out;
}

}  // namespace quintet
