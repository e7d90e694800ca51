#pragma once
// Trains the MelodyCNN and the four HarmonyCNNs from a corpus store into a run directory (no torch in this
// header). The items are pairs of consecutive 32-step windows (t, t+1) of one song; the five nets train
// together, each with its own loss (one Adam over all: Adam is per parameter, so this equals five
// optimisers), the harmony nets given the true piano block t+1 (teacher forcing, as the article trains
// them). The best epoch is the one with the lowest summed valid loss; the output thresholds are then
// calibrated on the valid pairs.
#include "runs/curve.hpp"
#include "systems/cnn/train_options.hpp"

namespace quintet {

struct CnnTrainResult {
    int epochs = 0;          // epochs completed (over all runs of this directory)
    double best_valid = 0;   // summed over the five nets, per window pair
    bool finished = false;   // training ended (planned epochs or early stop), thresholds written
};

CnnTrainResult train_cnn(const CnnTrainConfig& config, const EpochCallback& on_epoch = {});

}  // namespace quintet
