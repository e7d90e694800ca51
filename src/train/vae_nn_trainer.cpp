#include "train/vae_nn_trainer.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <optional>

#include "corpus/store.hpp"
#include "models/runtime.hpp"
#include "models/vae_nn_model.hpp"
#include "train/checkpoint.hpp"
#include "train/curve_plot.hpp"
#include "train/progress.hpp"
#include "train/run_files.hpp"
#include "train/threshold_calibration.hpp"
#include "train/window_data.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

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
}

// Every epoch draws from a generator seeded by (seed, stage, epoch): data order, VAE samples and dropout
// depend only on where training is, so a resumed run repeats an uninterrupted one.
void seed_for(std::uint64_t seed, int stage, int epoch, int salt = 0) {
    torch::manual_seed(seed * 1000003ULL + std::uint64_t(stage) * 10007ULL + std::uint64_t(epoch) * 31ULL +
                       std::uint64_t(salt));
}

struct Losses {
    double total = 0;
    double part[kVaeInstruments] = {};
};

// What one batch gives: the per-instrument losses that are reported, and the scalar that is minimised
// (their sum, except during KL warm-up).
struct BatchLoss {
    torch::Tensor reported;   // [5]
    torch::Tensor objective;  // scalar
};

// One pass over n items in batches of `batch`, in random order when training: `batch_losses(indices)` gives
// a batch's losses; with an optimiser the objective is minimised. Returns per-instrument means.
Losses run_pass(std::int64_t n, int batch, const torch::Device& order_device, torch::optim::Optimizer* optimizer,
                TrainProgress* progress, const std::function<BatchLoss(const torch::Tensor&)>& batch_losses) {
    Losses out;
    if (n == 0) return out;
    auto order = (optimizer ? torch::randperm(n, torch::kLong) : torch::arange(n, torch::kLong)).to(order_device);
    auto sums = torch::zeros({kVaeInstruments}, torch::kDouble);
    const long steps = long((n + batch - 1) / batch);
    for (long s = 0; s < steps; ++s) {
        std::int64_t first = s * batch, count = std::min<std::int64_t>(batch, n - first);
        auto losses = batch_losses(order.narrow(0, first, count));
        if (optimizer) {
            optimizer->zero_grad();
            losses.objective.backward();
            optimizer->step();
        }
        auto stacked = losses.reported;
        sums += stacked.detach().to(torch::kCPU, torch::kDouble) * double(count);
        if (progress) progress->step(s + 1, long(first + count), stacked.sum().item<double>());
    }
    for (int i = 0; i < kVaeInstruments; ++i) {
        out.part[i] = sums[i].item<double>() / double(n);
        out.total += out.part[i];
    }
    return out;
}

// KL weight of a stage-1 epoch (1-based): rises linearly to 1 over the warm-up epochs, a common remedy for
// posterior collapse (Bowman et al. 2016, "Generating sentences from a continuous space").
double kl_weight(int epoch, int warmup) { return warmup > 0 && epoch < warmup ? double(epoch) / warmup : 1.0; }

// Stage 1 over one data set: train (with the optimiser) or evaluate (without). Reported losses are the
// full -ELBO; the minimised one weighs the KL term by beta.
Losses vae_pass(VaeNnModel& model, const WindowData& data, const torch::Device& device, int batch,
                torch::optim::Optimizer* optimizer, TrainProgress* progress, double beta = 1.0) {
    return run_pass(data.size(), batch, torch::kCPU, optimizer, progress, [&](const torch::Tensor& idx) {
        auto x = to_unit_float(data.rolls.index_select(0, idx), device);
        std::vector<torch::Tensor> elbo, objective;
        for (int i = 0; i < kVaeInstruments; ++i) {
            auto l = model->vae(i)->loss(x.select(1, i));
            elbo.push_back(l.loss);
            objective.push_back(beta == 1.0 ? l.loss : l.reconstruction + beta * l.kl);
        }
        return BatchLoss{torch::stack(elbo), torch::stack(objective).sum()};
    });
}

torch::Tensor encode_all(VaeNnModel& model, const WindowData& data, const torch::Device& device, int batch) {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> parts;
    for (std::int64_t first = 0; first < data.size(); first += batch) {
        auto count = std::min<std::int64_t>(batch, data.size() - first);
        parts.push_back(model->encode_means(to_unit_float(data.rolls.narrow(0, first, count), device)));
    }
    if (parts.empty()) return torch::zeros({0, kVaeInstruments, model->latent()}, torch::TensorOptions(device));
    return torch::cat(parts, 0);
}

struct PairSet {
    torch::Tensor from, to;  // [P, 5, K] latents of windows t and t + 1
    std::int64_t size() const { return from.defined() ? from.size(0) : 0; }
};

PairSet make_pairs(const torch::Tensor& latents, const WindowData& data) {
    auto pairs = consecutive_pairs(data);
    std::vector<std::int64_t> a, b;
    for (auto [t, u] : pairs) {
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
Losses net_pass(VaeNnModel& model, const PairSet& pairs, int batch, torch::optim::Optimizer* optimizer,
                TrainProgress* progress) {
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

DataSummary summarise(const char* split, const WindowData& d) {
    DataSummary s;
    s.split = split;
    s.songs = d.songs;
    s.windows = d.size();
    s.pairs = static_cast<long long>(consecutive_pairs(d).size());
    for (auto c : non_empty_counts(d)) s.non_empty.push_back(c);
    return s;
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
        if (!config.resume && fs::exists(last_file))
            throw UsageError(run.string() + " already holds a training run: pass --resume, or choose another --out");
    }
    const bool resuming = config.resume && fs::exists(last_file);

    auto store = CorpusStore::open(config.corpus);
    TrainProgress progress(!config.quiet);
    WindowData train = store_windows(store, Split::Train, config.max_windows, config.seed);
    WindowData valid = store_windows(store, Split::Valid, config.max_windows > 0 ? std::max<std::int64_t>(config.max_windows / 8, 1) : 0, config.seed);
    if (train.size() == 0)
        throw UsageError(config.corpus.string() + ": the train split has no 32-step window at 2 steps per beat");
    if (valid.size() == 0) progress.note("note: the valid split is empty; the train loss selects the best epoch");

    fs::create_directories(run);
    VaeNnRunInfo info;
    info.latent = config.latent;
    info.likelihood = config.likelihood;
    info.latent_nets = config.latent_nets;
    info.corpus = fs::absolute(config.corpus);
    if (resuming) info.thresholds = thresholds;
    write_run_info(run, info);
    write_config_json(run, config, {summarise("train", train), summarise("valid", valid)});

    torch::manual_seed(config.seed);
    const bool residual = config.latent_nets == "residual";
    VaeNnModel model(config.latent, likelihood, residual);
    VaeNnModel best(config.latent, likelihood, residual);  // the best weights so far (what model.pt holds)
    model->to(device);
    best->to(device);
    copy_weights(*model, *best);
    auto adam = torch::optim::AdamOptions(config.lr).weight_decay(config.weight_decay);
    torch::optim::Adam vae_opt(model->vae_parameters(), adam), net_opt(model->net_parameters(), adam);

    TrainPosition pos;
    CurveFile curve(run / "curve.csv");
    if (resuming) {
        pos = load_checkpoint(last_file, model, vae_opt, net_opt);
        load_model(best_file, best);
        curve.load_until(pos.stage, pos.epoch);
        progress.note("resuming " + run.string() + " at stage " + std::to_string(pos.stage) + ", epoch " +
                      std::to_string(pos.epoch));
    }
    progress.note("data: " + std::to_string(train.size()) + " train windows (" + std::to_string(train.songs) +
                  " songs), " + std::to_string(valid.size()) + " valid windows; device " + config.device);

    VaeNnTrainResult result;
    auto report = [&]() {  // from the curve, so resumed runs count earlier epochs too
        result.vae_epochs = result.net_epochs = 0;
        result.best_vae_valid = result.best_net_valid = std::numeric_limits<double>::infinity();
        for (const auto& r : curve.rows()) {
            (r.stage == 1 ? result.vae_epochs : result.net_epochs) = r.epoch;
            double& b = r.stage == 1 ? result.best_vae_valid : result.best_net_valid;
            b = std::min(b, r.valid_loss);
        }
        result.finished = pos.stage == 3;
        return result;
    };
    // The start of an epoch of either stage: its record, its random draws (seeded by where training is), train
    // mode, progress over `items` training items.
    auto open_epoch = [&](int stage, int epochs, std::int64_t items) {
        EpochRecord rec;
        rec.stage = stage;
        rec.epoch = pos.epoch + 1;
        rec.epochs = epochs;
        seed_for(config.seed, stage, rec.epoch);
        model->train();
        progress.start_epoch(stage == 1 ? "vae" : "nets", rec.epoch, epochs, long((items + config.batch - 1) / config.batch));
        return rec;
    };
    // The end of an epoch of either stage: record it, keep the best weights (copy_stage copies the stage's
    // part of the model), write the checkpoint and the curve, report. False when the callback asks to stop.
    auto close_epoch = [&](EpochRecord& rec, const Losses& tr, const Losses& va, bool has_valid, Clock::time_point t0,
                           double samples_per_s, void (*copy_stage)(VaeNnModel&, VaeNnModel&)) {
        rec.train_loss = tr.total;
        rec.valid_loss = has_valid ? va.total : tr.total;
        for (int i = 0; i < kVaeInstruments; ++i) {
            rec.part_train[i] = tr.part[i];
            rec.part_valid[i] = has_valid ? va.part[i] : tr.part[i];
        }
        rec.improved = rec.valid_loss < pos.best_valid;
        if (rec.improved) {
            pos.best_valid = rec.valid_loss;
            pos.bad_epochs = 0;
        } else {
            ++pos.bad_epochs;
        }
        rec.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        rec.samples_per_s = samples_per_s;
        pos.epoch = rec.epoch;
        if (rec.improved) {
            copy_stage(model, best);
            save_model(best_file, best);
        }
        save_checkpoint(last_file, model, vae_opt, net_opt, pos);
        curve.add(rec);
        progress.end_epoch(rec.train_loss, rec.valid_loss, rec.samples_per_s, rec.improved);
        return !on_epoch || on_epoch(rec);
    };

    // ---- stage 1: the five VAEs ----
    while (pos.stage == 1) {
        bool stop_early = config.early_stop > 0 && pos.bad_epochs >= config.early_stop;
        if (pos.epoch >= config.epochs || stop_early) {
            if (stop_early) progress.note("vae: early stop after " + std::to_string(pos.epoch) + " epochs");
            copy_vaes(best, model);  // stage 2 and generation use the best VAEs
            info.thresholds = calibrate_thresholds(model, valid, train, device, config.batch * 4);
            write_run_info(run, info);
            progress.note("thresholds (piano guitar bass strings drums, best valid F1):" + format_thresholds(*info.thresholds));
            pos = TrainPosition{2, 0};
            save_checkpoint(last_file, model, vae_opt, net_opt, pos);
            break;
        }
        auto t0 = Clock::now();
        EpochRecord rec = open_epoch(1, config.epochs, train.size());
        Losses tr = vae_pass(model, train, device, config.batch, &vae_opt, &progress, kl_weight(rec.epoch, config.kl_warmup));
        double train_secs = std::chrono::duration<double>(Clock::now() - t0).count();
        Losses va;
        {
            torch::NoGradGuard no_grad;
            model->eval();
            seed_for(config.seed, 1, 0, 1);  // the same posterior samples for every validation
            va = vae_pass(model, valid, device, config.batch * 4, nullptr, nullptr);
        }
        if (!close_epoch(rec, tr, va, valid.size() > 0, t0, double(train.size()) / train_secs, copy_vaes)) return report();
    }
    if (pos.stage > 1 && !fs::exists(best_file)) save_model(best_file, best);

    // ---- stage 2: the latent nets on frozen encoder means ----
    if (pos.stage == 2) {
        model->eval();
        auto train_pairs = make_pairs(encode_all(model, train, device, config.batch * 4), train);
        auto valid_pairs = make_pairs(encode_all(model, valid, device, config.batch * 4), valid);
        if (train_pairs.size() == 0) progress.note("note: no consecutive windows in the train split; the latent nets stay untrained");
        while (pos.stage == 2) {
            bool stop_early = config.early_stop > 0 && pos.bad_epochs >= config.early_stop;
            if (pos.epoch >= config.net_epochs || stop_early || train_pairs.size() == 0) {
                if (stop_early) progress.note("nets: early stop after " + std::to_string(pos.epoch) + " epochs");
                copy_nets(best, model);
                pos = TrainPosition{3, 0};
                save_model(best_file, best);
                save_checkpoint(last_file, model, vae_opt, net_opt, pos);
                break;
            }
            auto t0 = Clock::now();
            EpochRecord rec = open_epoch(2, config.net_epochs, train_pairs.size());
            Losses tr = net_pass(model, train_pairs, config.batch, &net_opt, &progress);
            double train_secs = std::chrono::duration<double>(Clock::now() - t0).count();
            Losses va;
            {
                torch::NoGradGuard no_grad;
                model->eval();
                va = net_pass(model, valid_pairs, config.batch * 4, nullptr, nullptr);
            }
            if (!close_epoch(rec, tr, va, valid_pairs.size() > 0, t0, double(train_pairs.size()) / train_secs, copy_nets))
                return report();
        }
    }
    plot_curve(curve, run / "curve.png");
    return report();
}

}  // namespace quintet
