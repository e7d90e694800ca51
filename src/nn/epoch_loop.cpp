#include "nn/epoch_loop.hpp"

#include "nn/data_parallel.hpp"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <limits>

namespace quintet {

using Clock = std::chrono::steady_clock;

void seed_for(std::uint64_t seed, int stage, int epoch, int salt) {
    torch::manual_seed(seed * 1000003ULL + std::uint64_t(stage) * 10007ULL + std::uint64_t(epoch) * 31ULL +
                       std::uint64_t(salt));
}

EpochLoop::EpochLoop(Settings settings, TrainPosition& position, CurveFile& curve, Progress& progress,
                     std::function<void(const TrainPosition&)> save_last, EpochCallback on_epoch)
    : settings_(settings), pos_(position), curve_(curve), progress_(progress), save_last_(std::move(save_last)),
      on_epoch_(std::move(on_epoch)) {
    if (!DataParallel::current().writes()) curve_.keep_in_memory();
}

namespace {

// The losses every rank acts on: rank 0's (in a distributed job a rank's own differ with its shard, and the
// ranks must take the same best-epoch and early-stop decisions).
EpochLosses agreed(const EpochLosses& mine) {
    std::vector<double> v{mine.total};
    v.insert(v.end(), mine.parts.begin(), mine.parts.end());
    v = DataParallel::current().from_rank0(v);
    return {v.front(), std::vector<double>(v.begin() + 1, v.end())};
}

std::optional<EpochLosses> agreed(const std::optional<EpochLosses>& mine) {
    if (DataParallel::current().world() == 1) return mine;
    const bool present = DataParallel::current().from_rank0({mine ? 1.0 : 0.0}).front() != 0;
    if (!present) return std::nullopt;
    return agreed(mine ? *mine : EpochLosses{});
}

}  // namespace

EpochLoop::End EpochLoop::run(const TrainStage& stage) {
    while (pos_.stage == stage.number) {
        if (settings_.early_stop > 0 && pos_.bad_epochs >= settings_.early_stop) {
            progress_.note(stage.label + ": early stop after " + std::to_string(pos_.epoch) + " epochs");
            return End::EarlyStop;
        }
        if (pos_.epoch >= stage.epochs) return End::Done;

        if (const std::string note = threads_.retune(); !note.empty()) progress_.note(note);
        const auto t0 = Clock::now();
        EpochRecord rec;
        rec.stage = stage.number;
        rec.epoch = pos_.epoch + 1;
        rec.epochs = stage.epochs;
        seed_for(settings_.seed, stage.number, rec.epoch);
        auto& group = DataParallel::current();
        progress_.start(stage.label + " " + std::to_string(rec.epoch) + "/" + std::to_string(stage.epochs),
                        std::size_t(group.global_batches(stage.items, stage.batch)), "batches", "samples");
        const EpochLosses train = agreed(stage.train_epoch(progress_));
        const double train_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        if (group.world() > 1) {  // what data parallelism costs this rank (docs/BENCHMARKS.md)
            char line[160];
            std::snprintf(line, sizeof line, "%s epoch %d: gradient all-reduce %.2f s of the %.2f s training pass (%d ranks)",
                          stage.label.c_str(), rec.epoch, group.take_reduce_seconds(), train_seconds, group.world());
            progress_.note(line);
        }
        const std::optional<EpochLosses> valid = agreed(stage.validate());
        const EpochLosses& selecting = valid ? *valid : train;

        rec.train_loss = train.total;
        rec.valid_loss = selecting.total;
        rec.columns = train.parts;
        rec.columns.insert(rec.columns.end(), selecting.parts.begin(), selecting.parts.end());
        rec.improved = rec.valid_loss < pos_.best_valid;
        if (rec.improved) {
            pos_.best_valid = rec.valid_loss;
            pos_.bad_epochs = 0;
        } else {
            ++pos_.bad_epochs;
        }
        rec.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        rec.samples_per_s = double(stage.items) / train_seconds;
        pos_.epoch = rec.epoch;
        if (rec.improved) stage.keep_best();
        save_last_(pos_);
        curve_.add(rec);
        char line[200];
        std::snprintf(line, sizeof line, "%s epoch %d/%d  train %.5g  valid %.5g  %.0f samples/s  %.1fs%s", stage.label.c_str(),
                      rec.epoch, rec.epochs, rec.train_loss, rec.valid_loss, rec.samples_per_s, rec.seconds,
                      rec.improved ? "  (best)" : "");
        progress_.finish(line);
        // A stop asked on rank 0 stops every rank at the same epoch.
        const bool go = !on_epoch_ || on_epoch_(rec);
        if (group.from_rank0({go ? 1.0 : 0.0}).front() == 0) return End::Stopped;
    }
    return End::Done;
}

void EpochLoop::next_stage() {
    pos_ = TrainPosition{pos_.stage + 1, 0};
    save_last_(pos_);
}

std::vector<StageSummary> summarise_curve(const CurveFile& curve, int stages) {
    std::vector<StageSummary> out(std::size_t(stages), StageSummary{0, std::numeric_limits<double>::infinity()});
    for (const auto& r : curve.rows()) {
        if (r.stage < 1 || r.stage > stages) continue;
        auto& s = out[std::size_t(r.stage - 1)];
        s.epochs = r.epoch;
        s.best_valid = std::min(s.best_valid, r.valid_loss);
    }
    return out;
}

}  // namespace quintet
