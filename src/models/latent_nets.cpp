#include "models/latent_nets.hpp"

namespace quintet {

namespace nn = torch::nn;

LatentMelodyNetImpl::LatentMelodyNetImpl(int latent, int hidden, double dropout) {
    net_ = register_module("net", nn::Sequential(nn::Linear(latent, hidden), nn::ReLU(), nn::Dropout(dropout),
                                                 nn::Linear(hidden, hidden), nn::ReLU(), nn::Linear(hidden, latent)));
}

torch::Tensor LatentMelodyNetImpl::forward(const torch::Tensor& z) { return net_->forward(z); }

LatentConditionalNetImpl::LatentConditionalNetImpl(int latent, int hidden) {
    net_ = register_module("net", nn::Sequential(nn::Linear(2 * latent, hidden), nn::ReLU(), nn::Linear(hidden, latent)));
}

torch::Tensor LatentConditionalNetImpl::forward(const torch::Tensor& w, const torch::Tensor& z_next) {
    return net_->forward(torch::cat({w, z_next}, -1));
}

}  // namespace quintet
