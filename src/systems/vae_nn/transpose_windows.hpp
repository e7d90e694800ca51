#pragma once
// Transposition augmentation of VAE-NN training windows (train vae --transpose; measured in docs/RESULTS.md).
#include <torch/torch.h>

namespace quintet {

// windows [B, 5, 32, 128] in VAE-NN order (drums last): window b's pitched tracks move up by shifts[b] semitones
// (negative: down) when range > 0; notes pushed past pitch 0 or 127 are dropped; drums stay. shifts [B] (long)
// lie in -range..range. range 0 returns the windows as they are.
torch::Tensor transpose_windows(const torch::Tensor& windows, int range, const torch::Tensor& shifts);

}  // namespace quintet
