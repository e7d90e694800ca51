#include "generate/vae_nn_system.hpp"

#include "generate/vae_nn_generator.hpp"
#include "train/vae_nn_trainer.hpp"

namespace quintet {

std::filesystem::path VaeNnSystem::train(const std::filesystem::path& corpus, const std::filesystem::path& run_dir) {
    VaeNnTrainConfig config = train_config;
    config.corpus = corpus;
    config.run_dir = run_dir;
    auto r = train_vae_nn(config, on_epoch);
    last_train = {r.vae_epochs, r.net_epochs, r.best_vae_valid, r.best_net_valid, r.finished};
    return run_dir;
}

Multitrack VaeNnSystem::generate(const std::filesystem::path& run_dir) {
    VaeNnGenerator generator(run_dir, generate_options.device);
    return generator.generate(generate_options);
}

}  // namespace quintet
