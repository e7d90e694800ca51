#pragma once
// The epoch loop every system trains with: seeding by position, progress, best/last weights, early
// stopping, checkpoints, curve.csv and the caller's callback. A system keeps its own update step: it
// gives each stage a `train_epoch` (its optimiser steps over the training items) and a `validate`.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nn/checkpoint.hpp"
#include "nn/runtime.hpp"
#include "runs/curve.hpp"
#include "util/progress.hpp"

namespace quintet {

// Seeds torch's generator from (seed, stage, epoch, salt): data order, samples and dropout depend only on
// where training is, so a resumed run repeats an uninterrupted one.
void seed_for(std::uint64_t seed, int stage, int epoch, int salt = 0);

// Losses of one pass: the total that selects the best epoch, and the system's parts (one per curve part).
struct EpochLosses {
    double total = 0;
    std::vector<double> parts;
};

struct TrainStage {
    int number = 1;             // 1-based; the stage runs while the position is in it
    std::string label;          // the stage in progress lines
    int epochs = 0;             // planned epochs
    std::int64_t items = 0;     // training items per epoch (progress, rate)
    int batch = 1;
    std::function<EpochLosses(Progress&)> train_epoch;  // torch's generator is seeded before it
    std::function<std::optional<EpochLosses>()> validate;      // nullopt: no valid data (train loss selects)
    std::function<void()> keep_best;                            // the epoch improved: keep and save these weights
};

class EpochLoop {
public:
    struct Settings {
        std::uint64_t seed = 1;
        int early_stop = 0;  // epochs without a better valid loss before a stage ends; 0 = off
    };
    // save_last writes last.pt for a position (the system knows its layout).
    EpochLoop(Settings settings, TrainPosition& position, CurveFile& curve, Progress& progress,
              std::function<void(const TrainPosition&)> save_last, EpochCallback on_epoch);

    enum class End { Done, EarlyStop, Stopped };
    // Runs the stage's remaining epochs. Done / EarlyStop: the stage is over and the caller ends it (its own
    // work, then next_stage()); Stopped: the callback asked to stop.
    End run(const TrainStage& stage);
    // Moves the position to the start of the next stage and writes last.pt.
    void next_stage();

private:
    Settings settings_;
    TrainPosition& pos_;
    CurveFile& curve_;
    Progress& progress_;
    std::function<void(const TrainPosition&)> save_last_;
    EpochCallback on_epoch_;
    ThreadTuner threads_;  // re-checked before every epoch
};

// Per stage of a curve: the epochs done and the best valid loss.
struct StageSummary {
    int epochs = 0;
    double best_valid = 0;
};
std::vector<StageSummary> summarise_curve(const CurveFile& curve, int stages);

}  // namespace quintet
