#include "systems/vae_nn/latent_nets.hpp"

namespace quintet {

namespace nn = torch::nn;

LatentMelodyNetImpl::LatentMelodyNetImpl(int latent, bool residual, int hidden, double dropout) : residual_(residual) {
    net_ = register_module("net", nn::Sequential(nn::Linear(latent, hidden), nn::ReLU(), nn::Dropout(dropout),
                                                 nn::Linear(hidden, hidden), nn::ReLU(), nn::Linear(hidden, latent)));
}

torch::Tensor LatentMelodyNetImpl::forward(const torch::Tensor& z) {
    auto out = net_->forward(z);
    return residual_ ? z + out : out;
}

LatentConditionalNetImpl::LatentConditionalNetImpl(int latent, bool residual, int hidden) : residual_(residual) {
    net_ = register_module("net", nn::Sequential(nn::Linear(2 * latent, hidden), nn::ReLU(), nn::Linear(hidden, latent)));
}

torch::Tensor LatentConditionalNetImpl::forward(const torch::Tensor& w, const torch::Tensor& z_next) {
    auto out = net_->forward(torch::cat({w, z_next}, -1));
    return residual_ ? w + out : out;
}

}  // namespace quintet
