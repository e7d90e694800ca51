#include "systems/vae_nn/threshold_calibration.hpp"

#include <algorithm>

#include "nn/batches.hpp"

namespace quintet {

namespace {
constexpr double kOriginalThreshold = 0.3;  // the original code's fixed threshold (SEED-SPEC 9.1)
}

std::array<ThresholdSweep, 5> sweep_thresholds(VaeNnModel& model, const WindowSet& data, const torch::Device& device,
                                               int batch) {
    torch::NoGradGuard no_grad;
    model->eval();
    std::array<ThresholdSweep, 5> sweeps;
    const auto rolls = window_tensor(data);
    for (std::int64_t first = 0; first < data.size(); first += batch) {
        auto count = std::min<std::int64_t>(batch, data.size() - first);
        auto x = to_unit_float(rolls.narrow(0, first, count), device);
        for (int i = 0; i < kVaeInstruments; ++i) {
            auto xi = x.select(1, i);
            sweeps[std::size_t(i)].add(model->vae(i)->reconstruct(model->vae(i)->means(xi)), xi);
        }
    }
    return sweeps;
}

std::array<double, 5> calibrate_thresholds(VaeNnModel& model, const WindowSet& valid, const WindowSet& train,
                                           const torch::Device& device, int batch) {
    auto sweeps = sweep_thresholds(model, valid, device, batch);
    std::array<double, 5> out{};
    bool need_train = false;
    for (const auto& s : sweeps) need_train |= s.positives <= 0;
    std::array<ThresholdSweep, 5> train_sweeps;
    if (need_train) train_sweeps = sweep_thresholds(model, train, device, batch);
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = sweeps[i].positives > 0 ? sweeps[i].best_threshold(kOriginalThreshold)
                                         : train_sweeps[i].best_threshold(kOriginalThreshold);
    return out;
}

}  // namespace quintet
