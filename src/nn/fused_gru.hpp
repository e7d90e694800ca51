#pragma once
// A GRU layer for training on the CPU: the arithmetic of torch::nn::GRU (gate order r, z, n;
// n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = n + z * (h - n)) with the input projection of all steps in
// one GEMM, one GEMM plus one fused elementwise pass per step, and a hand-written backward (one GEMM plus one
// pass per step, the weight gradients as one GEMM each over all steps). ATen's GRU dispatches about a dozen
// small ops per step forward and twice that in autograd's backward; at the recurrent systems' sizes (batch
// 16-32, hidden 96-384) that overhead is most of a step (docs/BENCHMARKS.md, "Fused GRU").
// The weights stay in the torch::nn::GRU module, so checkpoints do not change.
#include <torch/torch.h>

#include <utility>

namespace quintet {

// Whether the fused loop runs this input: float32 on the CPU (other devices and types use ATen's GRU).
bool fused_gru_supported(const torch::Tensor& x);

// One layer over a batch-first sequence: x [B, T, I], h0 [B, H] -> {y [B, T, H], h_T [B, H]}, differentiable in
// x, h0 and the four parameters.
std::pair<torch::Tensor, torch::Tensor> fused_gru_layer(const torch::Tensor& x, const torch::Tensor& h0,
                                                        const torch::Tensor& w_ih, const torch::Tensor& w_hh,
                                                        const torch::Tensor& b_ih, const torch::Tensor& b_hh);

// The module's forward (batch_first, unidirectional, with bias) through fused layers where supported, else
// gru->forward: x [B, T, I], h0 [layers, B, H] (undefined: zeros) -> {y [B, T, H], h [layers, B, H]}. Dropout
// between layers as the module's options say, in training mode only.
std::pair<torch::Tensor, torch::Tensor> run_gru(torch::nn::GRU& gru, const torch::Tensor& x, const torch::Tensor& h0 = {});

}  // namespace quintet
