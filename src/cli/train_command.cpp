// `quintet train vae`: trains the VAE-NN (five conv VAEs, then the latent nets) into a run directory.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.hpp"

#ifdef QUINTET_HAVE_TORCH
#include "generate/vae_nn_system.hpp"
#endif

namespace {

#ifdef QUINTET_HAVE_TORCH
void add_vae(CLI::App& train) {
    auto config = std::make_shared<quintet::VaeNnTrainConfig>();
    auto* cmd = train.add_subcommand("vae", "train the VAE-NN: per-instrument conv VAEs, then the latent nets");
    cmd->add_option("--corpus", config->corpus, "training store (quintet corpus build / demo)")->required();
    cmd->add_option("--out", config->run_dir, "run directory to write")->required();
    cmd->add_option("--latent", config->latent, "latent size K (the article tried 8, 16, 32, 64)")->capture_default_str();
    cmd->add_option("--epochs", config->epochs, "epochs of the VAE stage")->capture_default_str();
    cmd->add_option("--net-epochs", config->net_epochs, "epochs of the latent-net stage (default: --epochs)");
    cmd->add_option("--batch", config->batch, "windows per batch")->capture_default_str();
    cmd->add_option("--lr", config->lr, "Adam learning rate")->capture_default_str();
    cmd->add_option("--device", config->device, "cpu, cuda or cuda:N")->capture_default_str();
    cmd->add_option("--seed", config->seed, "random seed (data order, samples, initial weights)")->capture_default_str();
    cmd->add_flag("--resume", config->resume, "continue from the run directory's last checkpoint");
    cmd->add_option("--early-stop", config->early_stop, "stop a stage after this many epochs without a better valid loss (0: off)")
        ->capture_default_str();
    cmd->add_option("--latent-nets", config->latent_nets, "direct (the original) or residual (the nets predict the change of the latent)")
        ->check(CLI::IsMember({"direct", "residual"}))
        ->capture_default_str();
    cmd->add_option("--kl-warmup", config->kl_warmup, "epochs over which the KL weight rises linearly to 1 (0: weight 1 throughout, the original)")
        ->capture_default_str();
    cmd->add_option("--likelihood", config->likelihood, "bernoulli (BCE on the sigmoid output, default) or gaussian (the original code)")
        ->check(CLI::IsMember({"gaussian", "bernoulli"}))
        ->capture_default_str();
    cmd->add_option("--max-windows", config->max_windows, "use at most this many training windows (whole songs; 0: all)")
        ->capture_default_str();
    cmd->add_flag("--quiet", config->quiet, "no progress output");
    cmd->callback([config] {
        quintet::VaeNnSystem system;
        system.train_config = *config;
        system.train(config->corpus, config->run_dir);
        const auto& r = system.last_train;
        std::printf("trained VAE-NN (K=%d): %d VAE epochs (best valid -ELBO %.4g), %d latent-net epochs (best valid MSE %.4g)\n",
                    config->latent, r.vae_epochs, r.best_vae_valid, r.net_epochs, r.best_net_valid);
        std::printf("run directory: %s\n", config->run_dir.string().c_str());
    });
}
#endif

const bool registered = quintet::cli::register_command([](CLI::App& app) {
    auto* train = app.add_subcommand("train", "train a model from a corpus store");
    train->require_subcommand(1);
#ifdef QUINTET_HAVE_TORCH
    add_vae(*train);
#endif
});

}  // namespace
