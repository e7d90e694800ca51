#pragma once
// Dropout whose mask comes from a counter hash instead of torch's bernoulli_: on the CPU torch 1.13 (without
// MKL) draws each element through its generator one at a time, which was 15 % of a Transformer-XL training step
// (docs/BENCHMARKS.md). Here one 64-bit seed is taken from torch's default generator per call (so
// torch::manual_seed still fixes every mask, and checkpoints resume as before), and element i is kept when
// hash(seed, i) >= p * 2^32: one loop writes x * mask, and the backward makes the mask again from the seed (no mask
// tensor). Other devices use torch's dropout; p = 0 or eval return x.
#include <torch/torch.h>

namespace quintet {

// In training: x * mask / (1 - p), the mask kept with probability 1 - p (autograd: the gradient is the same mask
// times 1 / (1 - p)). Not training, or p == 0: x itself.
torch::Tensor hash_dropout(const torch::Tensor& x, double p, bool training);

// The mask alone ([n] floats, each 0 or 1 / (1 - p)) for a seed: what hash_dropout multiplies by (tests).
torch::Tensor hash_dropout_mask(std::int64_t n, double p, std::uint64_t seed);

}  // namespace quintet
