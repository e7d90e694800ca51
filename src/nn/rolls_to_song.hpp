#pragma once
// A model's output rolls -> the output Multitrack (LPD-5 tracks, GM programs, drums on channel 10).
#include <torch/torch.h>

#include <vector>

#include "roll/multitrack.hpp"

namespace quintet {

// rolls [channels, T, 128] with values in [0, 1]; tracks[c] is the LPD-5 family (0 Drums .. 4 Strings) of
// channel c. Velocity = trunc(value * 127) in float, as pypianoroll's uint8 cast of track * 127.
Multitrack rolls_to_multitrack(const torch::Tensor& rolls, const std::vector<int>& tracks, int resolution, double tempo);

}  // namespace quintet
