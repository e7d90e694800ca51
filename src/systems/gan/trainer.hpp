#pragma once
// DCGAN training on the shared epoch loop: D and G steps (systems/gan/steps.hpp) over binarised windows of a
// corpus store, with per-epoch diagnostics (losses, D's accuracy, diversity of 64 fixed-noise samples) in
// curve.csv / curve.png and a piano roll of 8 fixed-noise samples every N epochs.
#include "runs/curve.hpp"
#include "systems/gan/options.hpp"

namespace quintet {

struct GanTrainResult {
    int epochs = 0;          // done, resumed ones included
    bool finished = false;   // every planned epoch ran
    double diversity = 0;    // mean pairwise Jaccard distance of the fixed-noise samples after the last epoch
};

GanTrainResult train_gan(const GanTrainConfig& config, const EpochCallback& on_epoch = {});

// The curve.csv columns after the common ones.
std::vector<std::string> gan_curve_columns();

}  // namespace quintet
