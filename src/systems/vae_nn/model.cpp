#include "systems/vae_nn/model.hpp"

#include "nn/batches.hpp"

#include <string>

namespace quintet {

torch::Tensor vae_windows(const Multitrack& song) { return window_tensor(song_windows(song, vae_window_spec())).clone(); }


VaeNnModelImpl::VaeNnModelImpl(int latent, Likelihood likelihood, bool residual_nets)
    : latent_(latent), likelihood_(likelihood), residual_nets_(residual_nets) {
    for (int i = 0; i < kVaeInstruments; ++i)
        vaes_.push_back(register_module(std::string("vae_") + kVaeInstrumentName[i], ConvVae(latent, likelihood)));
    melody_ = register_module("net_piano", LatentMelodyNet(latent, residual_nets));
    for (int i = 1; i < kVaeInstruments; ++i)
        conditional_.push_back(register_module(std::string("net_") + kVaeInstrumentName[i], LatentConditionalNet(latent, residual_nets)));
}

std::vector<torch::Tensor> VaeNnModelImpl::vae_parameters() {
    std::vector<torch::Tensor> out;
    for (auto& v : vaes_)
        for (auto& p : v->parameters()) out.push_back(p);
    return out;
}

std::vector<torch::Tensor> VaeNnModelImpl::net_parameters() {
    auto out = melody_->parameters();
    for (auto& c : conditional_)
        for (auto& p : c->parameters()) out.push_back(p);
    return out;
}

torch::Tensor VaeNnModelImpl::encode_means(const torch::Tensor& rolls) {
    std::vector<torch::Tensor> parts;
    for (int i = 0; i < kVaeInstruments; ++i) parts.push_back(vaes_[i]->means(rolls.select(1, i)));
    return torch::stack(parts, 1);
}

torch::Tensor VaeNnModelImpl::predict_next(const torch::Tensor& latents, const torch::Tensor& noise) {
    std::vector<torch::Tensor> next(kVaeInstruments);
    next[0] = melody_->forward(latents.select(1, 0));
    if (noise.defined()) next[0] = next[0] + noise.select(1, 0);
    for (int i = 1; i < kVaeInstruments; ++i) {
        next[i] = conditional_[i - 1]->forward(latents.select(1, i), next[0]);
        if (noise.defined()) next[i] = next[i] + noise.select(1, i);
    }
    return torch::stack(next, 1);
}

void copy_weights(torch::nn::Module& from, torch::nn::Module& to) {
    torch::NoGradGuard no_grad;
    auto src = from.named_parameters();
    for (auto& item : to.named_parameters()) item.value().copy_(src[item.key()]);
    auto src_buffers = from.named_buffers();
    for (auto& item : to.named_buffers()) item.value().copy_(src_buffers[item.key()]);
}

}  // namespace quintet
