#pragma once
// Trains the VAE-NN from a corpus store into a run directory (no torch in this header).
// Stage 1: the five ConvVaes on their instrument's windows (one Adam over all five: Adam is per
// parameter, so this equals five separate optimisers). Stage 2: the latent nets on consecutive window
// pairs (t, t+1) of the same song, encoded by the frozen best VAEs (means), with MSE.
#include "runs/curve.hpp"
#include "systems/vae_nn/train_options.hpp"

namespace quintet {

struct VaeNnTrainResult {
    int vae_epochs = 0, net_epochs = 0;  // epochs completed per stage (over all runs of this directory)
    double best_vae_valid = 0, best_net_valid = 0;
    bool finished = false;               // both stages done (false when the callback stopped it)
};

VaeNnTrainResult train_vae_nn(const VaeNnTrainConfig& config, const EpochCallback& on_epoch = {});

}  // namespace quintet
