#pragma once
// Trains the frame RNN from a corpus store into a run directory (no torch in this header): teacher forcing
// on windows of `window` steps, the NLL per step of the output mode, Adam, gradient clipping; the best epoch
// by the valid split's NLL over whole songs (the measure split_likelihood reports).
#include "runs/curve.hpp"
#include "systems/frame_rnn/train_options.hpp"

namespace quintet {

struct FrameRnnTrainResult {
    int epochs = 0;          // completed (over all runs of this directory)
    double best_valid = 0;   // NLL per step
    bool finished = false;
};

FrameRnnTrainResult train_frame_rnn(const FrameRnnTrainConfig& config, const EpochCallback& on_epoch = {});

}  // namespace quintet
