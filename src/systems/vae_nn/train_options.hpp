#pragma once
// Settings of a VAE-NN training run (no torch here: the CLI includes it).
#include <cstdint>
#include <filesystem>
#include <string>

namespace quintet {

struct VaeNnTrainConfig {
    std::filesystem::path corpus;   // training store (corpus/store.hpp)
    std::filesystem::path run_dir;  // output: config.json, curve.csv/.png, model.pt, last.pt, ...
    int latent = 16;                // K
    std::string likelihood = "bernoulli";  // or "gaussian" (the original code; collapses on sparse rolls, docs/vae.md)
    std::string latent_nets = "direct";    // or "residual" (predict the change of the latent; docs/vae.md)
    int epochs = 10;                // stage 1 (VAEs)
    int net_epochs = -1;            // stage 2 (latent nets); -1: same as epochs
    int batch = 100;
    double lr = 1e-3;
    double weight_decay = 1e-6;     // the Neuromatch template the original adapted (SEED-SPEC 6)
    std::string device = "cpu";
    std::uint64_t seed = 1;
    bool resume = false;
    int kl_warmup = 0;              // KL weight epoch/kl_warmup for the first epochs, then 1; 0 = 1 throughout (the original)
    int early_stop = 0;             // patience in epochs without a better valid loss; 0 = off
    std::int64_t max_windows = 0;   // cap on training windows (whole songs); 0 = all
    int transpose = 0;              // VAE training windows' pitched tracks shifted by a random -N..N semitones; 0 = off
    bool quiet = false;             // no progress output
};

}  // namespace quintet
