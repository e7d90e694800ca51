#pragma once
// The VAE-NN's per-instrument decision thresholds (nn/threshold_sweep.hpp), calibrated when its VAE stage
// ends and written to model.json: generation's default.
#include <torch/torch.h>

#include <array>

#include "nn/threshold_sweep.hpp"
#include "represent/windows.hpp"
#include "systems/vae_nn/model.hpp"

namespace quintet {

// Encodes every window (means), decodes, and sweeps the thresholds for each instrument (VAE-NN order).
std::array<ThresholdSweep, 5> sweep_thresholds(VaeNnModel& model, const WindowSet& data, const torch::Device& device,
                                               int batch);

// Thresholds per instrument from the valid windows, or the train windows for an instrument that has no
// notes in the valid split; 0.3 (the original's value) where neither has any.
std::array<double, 5> calibrate_thresholds(VaeNnModel& model, const WindowSet& valid, const WindowSet& train,
                                           const torch::Device& device, int batch);

}  // namespace quintet
