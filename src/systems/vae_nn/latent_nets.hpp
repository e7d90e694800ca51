#pragma once
// The MLPs that walk the VAE latent space from one window to the next (SEED-SPEC sections 7-8).
#include <torch/torch.h>

namespace quintet {

// Residual nets predict the change of the latent instead of the latent (out = previous + MLP(...)): the same
// MLP, so the same parameters; a deviation from the original offered because consecutive windows are similar
// (copying the last latent beats the direct nets, docs/RESULTS.md).

// Previous piano latent z_t (K) -> next piano latent z_{t+1} (K).
class LatentMelodyNetImpl : public torch::nn::Module {
public:
    explicit LatentMelodyNetImpl(int latent, bool residual = false, int hidden = 128, double dropout = 0.2);
    torch::Tensor forward(const torch::Tensor& z);

private:
    bool residual_;
    torch::nn::Sequential net_{nullptr};
};
TORCH_MODULE(LatentMelodyNet);

// [previous own latent w_t, next piano latent z_{t+1}] (2K) -> next own latent w_{t+1} (K).
class LatentConditionalNetImpl : public torch::nn::Module {
public:
    explicit LatentConditionalNetImpl(int latent, bool residual = false, int hidden = 128);
    torch::Tensor forward(const torch::Tensor& w, const torch::Tensor& z_next);

private:
    bool residual_;
    torch::nn::Sequential net_{nullptr};
};
TORCH_MODULE(LatentConditionalNet);

}  // namespace quintet
