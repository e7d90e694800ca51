#pragma once
// The VAE-NN as a System (no torch in this header).
#include "generate/vae_nn_options.hpp"
#include "models/system.hpp"
#include "train/vae_nn_config.hpp"

namespace quintet {

class VaeNnSystem : public System {
public:
    VaeNnTrainConfig train_config;        // corpus and run_dir are set by train()
    VaeNnGenerateOptions generate_options;
    EpochCallback on_epoch;               // optional, see train/vae_nn_config.hpp
    struct TrainSummary { int vae_epochs = 0, net_epochs = 0; double best_vae_valid = 0, best_net_valid = 0; bool finished = false; };
    TrainSummary last_train;              // filled by train()

    std::string kind() const override { return "vae-nn"; }
    std::filesystem::path train(const std::filesystem::path& corpus, const std::filesystem::path& run_dir) override;
    Multitrack generate(const std::filesystem::path& run_dir) override;
};

}  // namespace quintet
