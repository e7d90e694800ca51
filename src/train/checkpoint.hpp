#pragma once
// VAE-NN checkpoints: torch archives written atomically (temp + rename). model.pt holds the best weights
// (what generation loads); last.pt holds the latest weights, both optimisers and the training position,
// so --resume continues exactly where training stopped. model.json beside them says which model and K.
#include <torch/torch.h>

#include <filesystem>
#include <limits>

#include "models/vae_nn_model.hpp"

namespace quintet {

struct TrainPosition {
    int stage = 1;       // 1 = VAEs, 2 = latent nets, 3 = finished
    int epoch = 0;       // epochs completed in the current stage
    double best_valid = std::numeric_limits<double>::infinity();
    int bad_epochs = 0;  // epochs since the last improvement (early stopping)
};

void save_model(const std::filesystem::path& file, VaeNnModel& model);
void load_model(const std::filesystem::path& file, VaeNnModel& model);  // FormatError on a mismatch

void save_checkpoint(const std::filesystem::path& file, VaeNnModel& model, torch::optim::Optimizer& vae_optimizer,
                     torch::optim::Optimizer& net_optimizer, const TrainPosition& position);
TrainPosition load_checkpoint(const std::filesystem::path& file, VaeNnModel& model,
                              torch::optim::Optimizer& vae_optimizer, torch::optim::Optimizer& net_optimizer);

// Loads model.json + model.pt of a run directory onto `device` (eval mode). UsageError/FormatError on a
// missing run or one of another model.
VaeNnModel load_run_model(const std::filesystem::path& run_dir, const torch::Device& device = torch::kCPU);

}  // namespace quintet
