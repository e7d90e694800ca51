#include "systems/vae_nn/run_model.hpp"

#include "systems/vae_nn/run_info.hpp"

namespace quintet {

namespace {
std::string latent_text(std::int64_t k) { return "latent size K=" + std::to_string(k); }
std::string likelihood_text(std::int64_t bernoulli) {
    return std::string("the ") + (bernoulli ? "bernoulli" : "gaussian") + " likelihood";
}
}  // namespace

CheckpointLayout vae_nn_layout(VaeNnModel& model, torch::optim::Optimizer* vae_optimizer,
                               torch::optim::Optimizer* net_optimizer) {
    CheckpointLayout layout;
    layout.kind_name = "VAE-NN";
    layout.header = {{"kind_vae_nn", kVaeNnFormat, nullptr},
                     {"latent", model->latent(), latent_text},
                     {"bernoulli", model->likelihood() == Likelihood::Bernoulli, likelihood_text}};
    layout.modules = {{"model", model.ptr().get()}};
    if (vae_optimizer) layout.optimizers.emplace_back("vae_optimizer", vae_optimizer);
    if (net_optimizer) layout.optimizers.emplace_back("net_optimizer", net_optimizer);
    return layout;
}

void save_model(const std::filesystem::path& file, VaeNnModel& model) { save_weights(file, vae_nn_layout(model)); }

void load_model(const std::filesystem::path& file, VaeNnModel& model) { load_weights(file, vae_nn_layout(model)); }

VaeNnModel load_run_model(const std::filesystem::path& run_dir, const torch::Device& device) {
    auto info = read_run_info(run_dir);
    VaeNnModel model(info.latent, parse_likelihood(info.likelihood), info.latent_nets == "residual");
    load_model(run_dir / "model.pt", model);
    model->to(device);
    model->eval();
    return model;
}

}  // namespace quintet
