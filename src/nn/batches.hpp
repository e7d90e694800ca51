#pragma once
// Windows (represent/windows.hpp) as tensors, and batches of them on a device.
#include <torch/torch.h>

#include "represent/windows.hpp"

namespace quintet {

// [n, channels, steps, pitches] uint8 viewing set.cells (no copy): valid while `set` lives, unchanged.
torch::Tensor window_tensor(const WindowSet& set);

// uint8 velocities -> float in [0, 1] on `device`.
torch::Tensor to_unit_float(const torch::Tensor& rolls, const torch::Device& device);

}  // namespace quintet
