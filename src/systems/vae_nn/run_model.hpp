#pragma once
// The VAE-NN's checkpoints on nn/checkpoint: the header (kind, K, likelihood) and the model as one module;
// last.pt adds both optimisers and the position. model.json beside them says which model and K.
#include <torch/torch.h>

#include <filesystem>

#include "nn/checkpoint.hpp"
#include "systems/vae_nn/model.hpp"

namespace quintet {

// The layout of a VAE-NN checkpoint; optimisers may be null (model.pt).
CheckpointLayout vae_nn_layout(VaeNnModel& model, torch::optim::Optimizer* vae_optimizer = nullptr,
                               torch::optim::Optimizer* net_optimizer = nullptr);

void save_model(const std::filesystem::path& file, VaeNnModel& model);
void load_model(const std::filesystem::path& file, VaeNnModel& model);  // FormatError on a mismatch

// Loads model.json + model.pt of a run directory onto `device` (eval mode). UsageError/FormatError on a
// missing run or one of another model.
VaeNnModel load_run_model(const std::filesystem::path& run_dir, const torch::Device& device = torch::kCPU);

}  // namespace quintet
