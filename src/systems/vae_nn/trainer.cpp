#include "systems/vae_nn/trainer.hpp"

#include <array>
#include <cstdio>
#include <functional>
#include <optional>

#include "corpus/store.hpp"
#include "nn/batches.hpp"
#include "nn/data_parallel.hpp"
#include "nn/epoch_loop.hpp"
#include "nn/runtime.hpp"
#include "runs/curve_plot.hpp"
#include "runs/run_dir.hpp"
#include "systems/vae_nn/model.hpp"
#include "systems/vae_nn/run_info.hpp"
#include "systems/vae_nn/song_prior.hpp"
#include "systems/vae_nn/run_model.hpp"
#include "systems/vae_nn/threshold_calibration.hpp"
#include "systems/vae_nn/transpose_windows.hpp"
#include "util/error.hpp"

namespace quintet {

namespace {
constexpr std::int64_t kFewVaeUpdates = 90;  // see the note in train_vae_nn
}

namespace fs = std::filesystem;

namespace {

void validate(const VaeNnTrainConfig& c) {
    if (c.corpus.empty()) throw UsageError("--corpus is required");
    if (c.run_dir.empty()) throw UsageError("--out is required");
    if (c.latent <= 0) throw UsageError("--latent must be positive");
    if (c.epochs < 0 || c.net_epochs < -1) throw UsageError("--epochs must be >= 0");
    if (c.batch <= 0) throw UsageError("--batch must be positive");
    if (!(c.lr > 0)) throw UsageError("--lr must be positive");
    if (c.early_stop < 0) throw UsageError("--early-stop must be >= 0");
    if (c.latent_nets != "direct" && c.latent_nets != "residual")
        throw UsageError("--latent-nets '" + c.latent_nets + "': expected direct or residual");
    if (c.kl_warmup < 0) throw UsageError("--kl-warmup must be >= 0");
    if (c.max_windows < 0) throw UsageError("--max-windows must be >= 0");
    if (c.transpose < 0 || c.transpose > 24) throw UsageError("--transpose must be in 0..24 semitones");
}


// What one batch gives: the per-instrument losses that are reported, and the scalar that is minimised
// (their sum, except during KL warm-up).
struct BatchLoss {
    torch::Tensor reported;   // [5]
    torch::Tensor objective;  // scalar
};

// One pass over n items in batches of `batch`, in random order when training: `batch_losses(indices)` gives
// a batch's losses; with an optimiser the objective is minimised. Returns per-instrument means. Training in
// a distributed job, each global batch of batch * ranks items is shared out and the gradients averaged.
EpochLosses run_pass(std::int64_t n, int batch, const torch::Device& order_device, torch::optim::Optimizer* optimizer,
                     Progress* progress, const std::function<BatchLoss(const torch::Tensor&)>& batch_losses) {
    EpochLosses out;
    out.parts.assign(kVaeInstruments, 0.0);
    if (n == 0) return out;
    auto& group = DataParallel::current();
    const int ranks = optimizer ? group.world() : 1;  // evaluation: every rank sees every item
    auto order = (optimizer ? torch::randperm(n, torch::kLong) : torch::arange(n, torch::kLong)).to(order_device);
    if (optimizer) group.split_random_streams();  // the order is shared, the posterior samples are not
    auto sums = torch::zeros({kVaeInstruments}, torch::kDouble);
    const std::int64_t global = std::int64_t(batch) * ranks;
    const long steps = long((n + global - 1) / global);
    for (long s = 0; s < steps; ++s) {
        const std::int64_t global_first = s * global, global_count = std::min<std::int64_t>(global, n - global_first);
        const auto mine = ranks > 1 ? group.shard(global_first, global_count) : DataParallel::Slice{global_first, global_count};
        std::optional<BatchLoss> losses;
        if (mine.count > 0) losses = batch_losses(order.narrow(0, mine.first, mine.count));
        if (optimizer) {
            optimizer->zero_grad();
            if (losses) losses->objective.backward();
            group.reduce_gradients(*optimizer, double(mine.count) / double(global_count));
            optimizer->step();
        }
        if (losses) sums += losses->reported.detach().to(torch::kCPU, torch::kDouble) * double(mine.count);
        if (progress) {
            char loss[32];
            std::snprintf(loss, sizeof loss, "loss %.4g", losses ? losses->reported.sum().item<double>() : 0.0);
            progress->update(std::size_t(s + 1), std::size_t(global_first + global_count), loss);
        }
    }
    std::vector<double> total(sums.data_ptr<double>(), sums.data_ptr<double>() + kVaeInstruments);
    if (ranks > 1) total = group.sum(total);
    for (int i = 0; i < kVaeInstruments; ++i) {
        out.parts[std::size_t(i)] = total[std::size_t(i)] / double(n);
        out.total += out.parts[std::size_t(i)];
    }
    return out;
}

// KL weight of a stage-1 epoch (1-based): rises linearly to 1 over the warm-up epochs, a common remedy for
// posterior collapse (Bowman et al. 2016, "Generating sentences from a continuous space").
double kl_weight(int epoch, int warmup) { return warmup > 0 && epoch < warmup ? double(epoch) / warmup : 1.0; }

// Stage 1 over one data set: train (with the optimiser) or evaluate (without). Reported losses are the
// full -ELBO; the minimised one weighs the KL term by beta.
EpochLosses vae_pass(VaeNnModel& model, const torch::Tensor& rolls, const torch::Device& device, int batch,
                     torch::optim::Optimizer* optimizer, Progress* progress, double beta = 1.0, int transpose = 0) {
    return run_pass(rolls.size(0), batch, torch::kCPU, optimizer, progress, [&](const torch::Tensor& idx) {
        auto windows = rolls.index_select(0, idx);
        if (optimizer && transpose > 0)  // drawn only then: runs without it keep their random streams
            windows = transpose_windows(windows, transpose, torch::randint(-transpose, transpose + 1, {idx.size(0)}, torch::kLong));
        auto x = to_unit_float(windows, device);
        std::vector<torch::Tensor> elbo, objective;
        for (int i = 0; i < kVaeInstruments; ++i) {
            auto l = model->vae(i)->loss(x.select(1, i));
            elbo.push_back(l.loss);
            objective.push_back(beta == 1.0 ? l.loss : l.reconstruction + beta * l.kl);
        }
        return BatchLoss{torch::stack(elbo), torch::stack(objective).sum()};
    });
}

torch::Tensor encode_all(VaeNnModel& model, const torch::Tensor& rolls, const torch::Device& device, int batch) {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> parts;
    for (std::int64_t first = 0; first < rolls.size(0); first += batch) {
        auto count = std::min<std::int64_t>(batch, rolls.size(0) - first);
        parts.push_back(model->encode_means(to_unit_float(rolls.narrow(0, first, count), device)));
    }
    if (parts.empty()) return torch::zeros({0, kVaeInstruments, model->latent()}, torch::TensorOptions(device));
    return torch::cat(parts, 0);
}

struct PairSet {
    torch::Tensor from, to;  // [P, 5, K] latents of windows t and t + 1
    std::int64_t size() const { return from.defined() ? from.size(0) : 0; }
};

PairSet make_pairs(const torch::Tensor& latents, const WindowSet& data) {
    std::vector<std::int64_t> a, b;
    for (auto [t, u] : consecutive_pairs(data)) {
        a.push_back(t);
        b.push_back(u);
    }
    auto dev = latents.device();
    PairSet p;
    p.from = latents.index_select(0, torch::tensor(a, torch::kLong).to(dev));
    p.to = latents.index_select(0, torch::tensor(b, torch::kLong).to(dev));
    return p;
}

// Stage 2 over one pair set: the melody net predicts the next piano latent from the previous one; each
// conditional net predicts its next latent from its previous one and the true next piano latent.
EpochLosses net_pass(VaeNnModel& model, const PairSet& pairs, int batch, torch::optim::Optimizer* optimizer,
                     Progress* progress) {
    return run_pass(pairs.size(), batch, pairs.from.device(), optimizer, progress, [&](const torch::Tensor& idx) {
        auto from = pairs.from.index_select(0, idx), to = pairs.to.index_select(0, idx);
        auto piano_next = to.select(1, kPianoIndex);
        std::vector<torch::Tensor> losses;
        losses.push_back(torch::mse_loss(model->melody()->forward(from.select(1, kPianoIndex)), piano_next));
        for (int i = 1; i < kVaeInstruments; ++i)
            losses.push_back(torch::mse_loss(model->conditional(i)->forward(from.select(1, i), piano_next), to.select(1, i)));
        auto stacked = torch::stack(losses);
        return BatchLoss{stacked, stacked.sum()};
    });
}

std::string format_thresholds(const std::array<double, 5>& t) {
    std::string s;
    char buf[32];
    for (double v : t) {
        std::snprintf(buf, sizeof buf, " %.3f", v);
        s += buf;
    }
    return s;
}

DataSummary summarise(const char* split, const WindowSet& d) {
    DataSummary s;
    s.split = split;
    s.songs = d.songs;
    s.items = d.size();
    s.pairs = static_cast<long long>(consecutive_pairs(d).size());
    s.channels.assign(kVaeInstrumentName.begin(), kVaeInstrumentName.end());
    for (auto c : non_empty_counts(d)) s.non_empty.push_back(c);
    return s;
}

FlatJsonWriter settings_json(const VaeNnTrainConfig& c) {
    FlatJsonWriter w;
    w.add("latent", c.latent)
        .add("likelihood", c.likelihood)
        .add("latent_nets", c.latent_nets)
        .add("epochs", c.epochs)
        .add("net_epochs", c.net_epochs < 0 ? c.epochs : c.net_epochs)
        .add("batch", c.batch)
        .add("lr", c.lr)
        .add("weight_decay", c.weight_decay)
        .add("optimizer", "adam")
        .add("device", c.device)
        .add("seed", static_cast<long long>(c.seed))
        .add("kl_warmup", c.kl_warmup)
        .add("early_stop", c.early_stop)
        .add("max_windows", static_cast<long long>(c.max_windows))
        .add("transpose", c.transpose)
        .add("resolution", kVaeResolution)
        .add("window", kWindowSteps);
    return w;
}

std::vector<std::string> curve_parts() {
    std::vector<std::string> names;
    for (const char* split : {"train_", "valid_"})
        for (const char* name : kVaeInstrumentName) names.push_back(std::string(split) + name);
    return names;
}

void copy_vaes(VaeNnModel& from, VaeNnModel& to) {
    for (int i = 0; i < kVaeInstruments; ++i) copy_weights(*from->vae(i), *to->vae(i));
}
void copy_nets(VaeNnModel& from, VaeNnModel& to) {
    copy_weights(*from->melody(), *to->melody());
    for (int i = 1; i < kVaeInstruments; ++i) copy_weights(*from->conditional(i), *to->conditional(i));
}

}  // namespace

VaeNnTrainResult train_vae_nn(const VaeNnTrainConfig& config_in, const EpochCallback& on_epoch) {
    VaeNnTrainConfig config = config_in;
    validate(config);
    if (config.net_epochs < 0) config.net_epochs = config.epochs;
    configure_torch_threads();
    const Likelihood likelihood = parse_likelihood(config.likelihood);
    const torch::Device device = parse_device(config.device);
    const fs::path run = config.run_dir;
    const fs::path last_file = run / "last.pt", best_file = run / "model.pt";

    // A run directory belongs to one model: refuse to mix, and refuse to overwrite without --resume.
    std::optional<std::array<double, 5>> thresholds;  // calibrated by an earlier, resumed run
    if (fs::exists(run / "model.json")) {
        auto info = read_run_info(run);
        thresholds = info.thresholds;
        if (info.latent != config.latent || info.likelihood != config.likelihood || info.latent_nets != config.latent_nets)
            throw UsageError(run.string() + " holds a VAE-NN with K=" + std::to_string(info.latent) + " (" +
                             info.likelihood + ", " + info.latent_nets + " nets); asked for K=" + std::to_string(config.latent) +
                             " (" + config.likelihood + ", " + config.latent_nets + " nets)");
    }
    const bool resuming = prepare_run_dir(run, kVaeNnModelKind, config.resume);

    auto store = CorpusStore::open(config.corpus);
    Progress progress(config.quiet ? nullptr : stderr, ProgressLines::PerTask);
    const WindowSpec spec = vae_window_spec();
    const WindowSet train = store_windows(store, Split::Train, spec, config.max_windows, config.seed);
    const WindowSet valid = store_windows(
        store, Split::Valid, spec, config.max_windows > 0 ? std::max<std::int64_t>(config.max_windows / 8, 1) : 0, config.seed);
    if (train.size() == 0)
        throw UsageError(config.corpus.string() + ": the train split has no 32-step window at 2 steps per beat");
    if (valid.size() == 0) progress.note("note: the valid split is empty; the train loss selects the best epoch");
    const torch::Tensor train_rolls = window_tensor(train), valid_rolls = window_tensor(valid);

    auto& group = DataParallel::current();  // a world of one unless --distributed: rank 0 alone writes files
    fs::create_directories(run);
    VaeNnRunInfo info;
    info.latent = config.latent;
    info.likelihood = config.likelihood;
    info.latent_nets = config.latent_nets;
    info.corpus = fs::absolute(config.corpus);
    if (resuming) info.thresholds = thresholds;
    info.prior = measure_song_prior(train);
    {
        std::string absent;
        for (int i = 0; i < kVaeInstruments; ++i)
            if (!info.prior->plays[std::size_t(i)]) absent += (absent.empty() ? "" : ", ") + std::string(kVaeInstrumentName[std::size_t(i)]);
        if (!absent.empty()) progress.note("note: no notes for " + absent + " in the train split: generated songs keep them silent");
    }
    {
        // Measured (docs/RESULTS.md, issue 13): 14 piano pieces, 231 train windows at batch 100, 30 updates (10 epochs)
        // decoded a cluster of ~28 held notes; 90 updates (30 epochs) gave the corpus's polyphony.
        const std::int64_t per_epoch = (train.size() + config.batch - 1) / config.batch;
        const std::int64_t updates = per_epoch * config.epochs;
        if (updates < kFewVaeUpdates)
            progress.note("note: " + std::to_string(train.size()) + " train windows at batch " + std::to_string(config.batch) +
                          " give the VAEs " + std::to_string(updates) + " updates; fewer than " + std::to_string(kFewVaeUpdates) +
                          " decoded clusters of held notes on a small corpus: ask for --epochs " +
                          std::to_string((kFewVaeUpdates + per_epoch - 1) / per_epoch) + " or a smaller --batch");
    }
    if (group.writes()) {
        write_run_info(run, info);
        write_run_config(run, kVaeNnModelKind, config.corpus, settings_json(config),
                         {summarise("train", train), summarise("valid", valid)});
    }

    torch::manual_seed(config.seed);
    const bool residual = config.latent_nets == "residual";
    VaeNnModel model(config.latent, likelihood, residual);
    VaeNnModel best(config.latent, likelihood, residual);  // the best weights so far (what model.pt holds)
    model->to(device);
    best->to(device);
    copy_weights(*model, *best);
    auto adam = torch::optim::AdamOptions(config.lr).weight_decay(config.weight_decay);
    torch::optim::Adam vae_opt(model->vae_parameters(), adam), net_opt(model->net_parameters(), adam);
    const CheckpointLayout last_layout = vae_nn_layout(model, &vae_opt, &net_opt);

    TrainPosition pos;
    CurveFile curve(run / "curve.csv", curve_parts());
    if (resuming) {
        pos = load_checkpoint(last_file, last_layout);
        load_model(best_file, best);
        curve.load_until(pos.stage, pos.epoch);
        progress.note("resuming " + run.string() + " at stage " + std::to_string(pos.stage) + ", epoch " +
                      std::to_string(pos.epoch));
    }
    group.broadcast(*model);  // every rank starts from rank 0's weights
    if (group.world() > 1)
        progress.note("data parallel: " + std::to_string(group.world()) + " ranks, " + std::to_string(config.batch) +
                      " windows each per step");
    progress.note("data: " + std::to_string(train.size()) + " train windows (" + std::to_string(train.songs) +
                  " songs), " + std::to_string(valid.size()) + " valid windows; device " + config.device);

    auto result = [&] {  // from the curve, so resumed runs count earlier epochs too
        auto stages = summarise_curve(curve, 2);
        return VaeNnTrainResult{stages[0].epochs, stages[1].epochs, stages[0].best_valid, stages[1].best_valid, pos.stage == 3};
    };
    EpochLoop loop({config.seed, config.early_stop}, pos, curve, progress,
                   [&](const TrainPosition& p) { save_checkpoint(last_file, last_layout, p); }, on_epoch);

    // ---- stage 1: the five VAEs ----
    if (pos.stage == 1) {
        TrainStage stage;
        stage.number = 1;
        stage.label = "vae";
        stage.epochs = config.epochs;
        stage.items = train.size();
        stage.batch = config.batch;
        stage.train_epoch = [&](Progress& p) {
            model->train();
            return vae_pass(model, train_rolls, device, config.batch, &vae_opt, &p, kl_weight(pos.epoch + 1, config.kl_warmup),
                            config.transpose);
        };
        stage.validate = [&]() -> std::optional<EpochLosses> {
            torch::NoGradGuard no_grad;
            model->eval();
            seed_for(config.seed, 1, 0, 1);  // the same posterior samples for every validation
            auto losses = vae_pass(model, valid_rolls, device, config.batch * 4, nullptr, nullptr);
            if (valid.size() == 0) return std::nullopt;
            return losses;
        };
        stage.keep_best = [&] {
            copy_vaes(model, best);
            save_model(best_file, best);
        };
        if (loop.run(stage) == EpochLoop::End::Stopped) return result();
        copy_vaes(best, model);  // stage 2 and generation use the best VAEs
        info.thresholds = calibrate_thresholds(model, valid, train, device, config.batch * 4);
        if (group.writes()) write_run_info(run, info);
        progress.note("thresholds (piano guitar bass strings drums, best valid F1):" + format_thresholds(*info.thresholds));
        loop.next_stage();
    }
    if (pos.stage > 1 && !fs::exists(best_file)) save_model(best_file, best);

    // ---- stage 2: the latent nets on frozen encoder means ----
    if (pos.stage == 2) {
        model->eval();
        auto train_pairs = make_pairs(encode_all(model, train_rolls, device, config.batch * 4), train);
        auto valid_pairs = make_pairs(encode_all(model, valid_rolls, device, config.batch * 4), valid);
        if (train_pairs.size() == 0) progress.note("note: no consecutive windows in the train split; the latent nets stay untrained");
        TrainStage stage;
        stage.number = 2;
        stage.label = "nets";
        stage.epochs = train_pairs.size() == 0 ? 0 : config.net_epochs;
        stage.items = train_pairs.size();
        stage.batch = config.batch;
        stage.train_epoch = [&](Progress& p) {
            model->train();
            return net_pass(model, train_pairs, config.batch, &net_opt, &p);
        };
        stage.validate = [&]() -> std::optional<EpochLosses> {
            torch::NoGradGuard no_grad;
            model->eval();
            auto losses = net_pass(model, valid_pairs, config.batch * 4, nullptr, nullptr);
            if (valid_pairs.size() == 0) return std::nullopt;
            return losses;
        };
        stage.keep_best = [&] {
            copy_nets(model, best);
            save_model(best_file, best);
        };
        if (loop.run(stage) == EpochLoop::End::Stopped) return result();
        copy_nets(best, model);
        save_model(best_file, best);
        loop.next_stage();
    }
    if (group.writes()) plot_curve(curve, run / "curve.png", {"VAE-NN training", {"VAE (-ELBO)", "latent nets (MSE)"}, "loss per window"});
    return result();
}

}  // namespace quintet
