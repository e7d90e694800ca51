#include "systems/cnn/trainer.hpp"

#include <cstdio>
#include <optional>

#include "corpus/store.hpp"
#include "nn/batches.hpp"
#include "nn/data_parallel.hpp"
#include "nn/epoch_loop.hpp"
#include "nn/runtime.hpp"
#include "runs/curve_plot.hpp"
#include "runs/run_dir.hpp"
#include "systems/cnn/run_info.hpp"
#include "systems/cnn/run_model.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;

namespace {

constexpr int kFormatHeader = 1;

std::string encoders_text(std::int64_t separate) { return separate ? "separate harmony encoders" : "shared harmony encoders"; }
std::string output_text(std::int64_t relu) { return relu ? "the ReLU output (mse)" : "the sigmoid output (bce)"; }

void validate(const CnnTrainConfig& c) {
    if (c.corpus.empty()) throw UsageError("--corpus is required");
    if (c.run_dir.empty()) throw UsageError("--out is required");
    if (c.epochs < 0) throw UsageError("--epochs must be >= 0");
    if (c.batch <= 0) throw UsageError("--batch must be positive");
    if (!(c.lr > 0)) throw UsageError("--lr must be positive");
    if (c.early_stop < 0) throw UsageError("--early-stop must be >= 0");
    if (c.max_windows < 0) throw UsageError("--max-windows must be >= 0");
    parse_harmony_encoders(c.harmony_encoders);
    parse_cnn_output(c.loss);
}

// One pass over the pairs in batches, shuffled when training (torch's generator, seeded by the loop). Training
// in a distributed job: each global batch of batch x ranks pairs is shared out and the gradients averaged
// (docs/distributed.md); validation reads every pair on every rank.
EpochLosses pass(CnnBand& band, const torch::Tensor& rolls, const WindowPairs& pairs, const torch::Device& device, int batch,
                 torch::optim::Optimizer* optimizer, Progress* progress) {
    EpochLosses out;
    out.parts.assign(kCnnInstruments, 0.0);
    const std::int64_t n = pairs.size();
    if (n == 0) return out;
    auto& group = DataParallel::current();
    const int rank = optimizer ? group.rank() : 0, world = optimizer ? group.world() : 1;
    const auto order = optimizer ? torch::randperm(n, torch::kLong) : torch::arange(n, torch::kLong);
    if (optimizer) group.split_random_streams();  // the order is shared, dropout masks are each rank's own
    auto sums = torch::zeros({kCnnInstruments}, torch::kDouble);
    const std::int64_t global = std::int64_t(batch) * world, steps = (n + global - 1) / global;
    std::int64_t used = 0;
    for (std::int64_t s = 0; s < steps; ++s) {
        const std::int64_t first = s * global, count = std::min<std::int64_t>(global, n - first);
        // BatchNorm after the 1x1 layers has one value per channel from a single pair: its variance is
        // undefined (PyTorch refuses such a batch in training). A last batch that would give a rank fewer
        // than two pairs is left out (shares differ by at most one).
        if (optimizer && count < 2 * world) break;
        used += count;
        const auto mine = DataParallel::shard_of(rank, world, first, count);
        const auto idx = order.narrow(0, mine.first, mine.count);
        auto now = to_unit_float(rolls.index_select(0, pairs.from.index_select(0, idx)), device);
        auto next = to_unit_float(rolls.index_select(0, pairs.to.index_select(0, idx)), device);
        auto losses = band->pair_losses(now, next);
        if (optimizer) {
            optimizer->zero_grad();
            losses.sum().backward();
            group.reduce_gradients(*optimizer, double(mine.count) / double(count));
            optimizer->step();
        }
        sums += losses.detach().to(torch::kCPU, torch::kDouble) * double(mine.count);
        if (progress) {
            char text[32];
            std::snprintf(text, sizeof text, "loss %.4g", losses.sum().item<double>());
            progress->update(std::size_t(s + 1), std::size_t(first + count), text);
        }
    }
    std::vector<double> totals(sums.data_ptr<double>(), sums.data_ptr<double>() + kCnnInstruments);
    if (world > 1) totals = group.sum(totals);  // the epoch's means over every rank's pairs
    for (int i = 0; i < kCnnInstruments; ++i) {
        out.parts[std::size_t(i)] = used > 0 ? totals[std::size_t(i)] / double(used) : 0.0;
        out.total += out.parts[std::size_t(i)];
    }
    return out;
}

std::array<double, 5> note_density(const WindowSet& set) {
    std::array<double, 5> d{};
    if (set.size() == 0) return d;
    auto on = window_tensor(set).gt(0).to(torch::kDouble).mean({0, 2, 3});
    for (int i = 0; i < kCnnInstruments; ++i) d[std::size_t(i)] = on[i].item<double>();
    return d;
}

std::array<double, 5> calibrate(CnnBand& band, const WindowSet& valid, const WindowSet& train, const torch::Device& device,
                                int batch) {
    auto sweeps = sweep_pairs(band, valid, device, batch);
    std::optional<std::array<ThresholdSweep, 5>> train_sweeps;
    std::array<double, 5> t{};
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (sweeps[i].positives > 0) {
            t[i] = sweeps[i].best_threshold(kCnnUncalibratedThreshold);
            continue;
        }
        if (!train_sweeps) train_sweeps = sweep_pairs(band, train, device, batch);
        t[i] = (*train_sweeps)[i].best_threshold(kCnnUncalibratedThreshold);
    }
    return t;
}

DataSummary summarise(const char* split, const WindowSet& d) {
    DataSummary s;
    s.split = split;
    s.songs = d.songs;
    s.items = d.size();
    s.pairs = static_cast<long long>(consecutive_pairs(d).size());
    s.channels.assign(kCnnInstrumentName.begin(), kCnnInstrumentName.end());
    for (auto c : non_empty_counts(d)) s.non_empty.push_back(c);
    return s;
}

FlatJsonWriter settings_json(const CnnTrainConfig& c) {
    FlatJsonWriter w;
    w.add("harmony_encoders", c.harmony_encoders)
        .add("loss", c.loss)
        .add("epochs", c.epochs)
        .add("batch", c.batch)
        .add("lr", c.lr)
        .add("optimizer", "adam")
        .add("device", c.device)
        .add("seed", static_cast<long long>(c.seed))
        .add("early_stop", c.early_stop)
        .add("max_windows", static_cast<long long>(c.max_windows))
        .add("resolution", kCnnResolution)
        .add("window", kCnnSteps)
        .add("latent", kCnnLatent)
        .add("dropout", kCnnDropout);
    return w;
}

std::vector<std::string> curve_parts() {
    std::vector<std::string> names;
    for (const char* split : {"train_", "valid_"})
        for (const char* name : kCnnInstrumentName) names.push_back(std::string(split) + name);
    return names;
}

void copy_state(torch::nn::Module& from, torch::nn::Module& to) {
    torch::NoGradGuard no_grad;
    auto p = from.named_parameters();
    for (auto& item : to.named_parameters()) item.value().copy_(p[item.key()]);
    auto b = from.named_buffers();
    for (auto& item : to.named_buffers()) item.value().copy_(b[item.key()]);
}

}  // namespace

CheckpointLayout cnn_layout(CnnBand& band, torch::optim::Optimizer* optimizer) {
    CheckpointLayout layout;
    layout.kind_name = "MelodyCNN + HarmonyCNN";
    layout.header = {{"kind_cnn", kFormatHeader, nullptr},
                     {"separate_encoders", band->encoders() == HarmonyEncoders::Separate, encoders_text},
                     {"relu_output", band->output() == CnnOutput::Relu, output_text}};
    layout.modules = {{"band", band.ptr().get()}};
    if (optimizer) layout.optimizers.emplace_back("optimizer", optimizer);
    return layout;
}

CnnBand load_cnn_run(const fs::path& run_dir, const torch::Device& device) {
    const auto info = read_cnn_run_info(run_dir);
    CnnBand band(parse_harmony_encoders(info.harmony_encoders), parse_cnn_output(info.loss));
    load_weights(run_dir / "model.pt", cnn_layout(band));
    band->to(device);
    band->eval();
    return band;
}

WindowPairs window_pairs(const WindowSet& set) {
    std::vector<std::int64_t> a, b;
    for (auto [t, u] : consecutive_pairs(set)) {
        a.push_back(t);
        b.push_back(u);
    }
    return {torch::tensor(a, torch::kLong), torch::tensor(b, torch::kLong)};
}

std::array<ThresholdSweep, 5> sweep_pairs(CnnBand& band, const WindowSet& set, const torch::Device& device, int batch,
                                          bool copy_last) {
    torch::NoGradGuard no_grad;
    band->eval();
    std::array<ThresholdSweep, 5> sweeps;
    const auto rolls = window_tensor(set);
    const auto pairs = window_pairs(set);
    for (std::int64_t first = 0; first < pairs.size(); first += batch) {
        const auto count = std::min<std::int64_t>(batch, pairs.size() - first);
        auto now = to_unit_float(rolls.index_select(0, pairs.from.narrow(0, first, count)), device);
        auto next = to_unit_float(rolls.index_select(0, pairs.to.narrow(0, first, count)), device);
        auto predicted = copy_last ? now : band->predict_teacher_forced(now, next);
        for (int i = 0; i < kCnnInstruments; ++i) sweeps[std::size_t(i)].add(predicted.select(1, i), next.select(1, i));
    }
    return sweeps;
}

CnnTrainResult train_cnn(const CnnTrainConfig& config, const EpochCallback& on_epoch) {
    validate(config);
    configure_torch_threads();
    const torch::Device device = parse_device(config.device);
    const HarmonyEncoders encoders = parse_harmony_encoders(config.harmony_encoders);
    const CnnOutput output = parse_cnn_output(config.loss);
    const fs::path run = config.run_dir, last_file = run / "last.pt", best_file = run / "model.pt";

    std::optional<std::array<double, 5>> earlier_thresholds;  // a finished run resumed keeps its calibration
    if (fs::exists(run / "model.json")) {
        const auto earlier = read_cnn_run_info(run);
        earlier_thresholds = earlier.thresholds;
        if (earlier.harmony_encoders != config.harmony_encoders || earlier.loss != config.loss)
            throw UsageError(run.string() + " holds a CNN run with " + earlier.harmony_encoders + " harmony encoders and " +
                             earlier.loss + " loss; asked for " + config.harmony_encoders + " and " + config.loss);
    }
    const bool resuming = prepare_run_dir(run, kCnnModelKind, config.resume);

    auto store = CorpusStore::open(config.corpus);
    Progress progress(config.quiet ? nullptr : stderr, ProgressLines::PerTask);
    const WindowSpec spec = cnn_window_spec();
    const WindowSet train = store_windows(store, Split::Train, spec, config.max_windows, config.seed);
    const WindowSet valid = store_windows(
        store, Split::Valid, spec, config.max_windows > 0 ? std::max<std::int64_t>(config.max_windows / 8, 1) : 0, config.seed);
    const WindowPairs train_pairs = window_pairs(train), valid_pairs = window_pairs(valid);
    if (train_pairs.size() < 2)
        throw UsageError(config.corpus.string() + ": the train split has fewer than two pairs of consecutive 32-step windows at 2 steps per beat");
    if (valid_pairs.size() == 0) progress.note("note: the valid split has no window pair; the train loss selects the best epoch");
    const torch::Tensor train_rolls = window_tensor(train), valid_rolls = window_tensor(valid);

    fs::create_directories(run);
    CnnRunInfo info;
    info.harmony_encoders = config.harmony_encoders;
    info.loss = config.loss;
    info.corpus = fs::absolute(config.corpus);
    info.density = note_density(train);
    if (resuming) info.thresholds = earlier_thresholds;
    auto& group = DataParallel::current();  // a world of one unless --distributed: rank 0 alone writes files
    if (group.writes()) {
        write_cnn_run_info(run, info);
        write_run_config(run, kCnnModelKind, config.corpus, settings_json(config), {summarise("train", train), summarise("valid", valid)});
    }

    torch::manual_seed(config.seed);
    CnnBand band(encoders, output), best(encoders, output);
    band->to(device);
    best->to(device);
    copy_state(*band, *best);
    torch::optim::Adam adam(band->parameters(), torch::optim::AdamOptions(config.lr));
    const CheckpointLayout last_layout = cnn_layout(band, &adam);

    TrainPosition pos;
    CurveFile curve(run / "curve.csv", curve_parts());
    if (resuming) {
        pos = load_checkpoint(last_file, last_layout);
        if (fs::exists(best_file)) load_weights(best_file, cnn_layout(best));
        curve.load_until(pos.stage, pos.epoch);
        progress.note(pos.stage == 1 ? "resuming " + run.string() + " after epoch " + std::to_string(pos.epoch)
                                     : run.string() + ": training already finished (a finished run is not extended)");
    }
    group.broadcast(*band);  // every rank starts from rank 0's weights (and its batch-norm statistics)
    progress.note("data: " + std::to_string(train_pairs.size()) + " train window pairs (" + std::to_string(train.songs) +
                  " songs), " + std::to_string(valid_pairs.size()) + " valid pairs; device " + config.device);

    auto result = [&] {
        const auto s = summarise_curve(curve, 1)[0];
        return CnnTrainResult{s.epochs, s.best_valid, pos.stage == 2};
    };
    EpochLoop loop({config.seed, config.early_stop}, pos, curve, progress,
                   [&](const TrainPosition& p) { save_checkpoint(last_file, last_layout, p); }, on_epoch);
    if (pos.stage == 1) {
        TrainStage stage;
        stage.number = 1;
        stage.label = "cnn";
        stage.epochs = config.epochs;
        stage.items = train_pairs.size();
        stage.batch = config.batch;
        stage.train_epoch = [&](Progress& p) {
            band->train();
            return pass(band, train_rolls, train_pairs, device, config.batch, &adam, &p);
        };
        stage.validate = [&]() -> std::optional<EpochLosses> {
            if (valid_pairs.size() == 0) return std::nullopt;
            torch::NoGradGuard no_grad;
            band->eval();
            return pass(band, valid_rolls, valid_pairs, device, config.batch * 4, nullptr, nullptr);
        };
        stage.keep_best = [&] {
            copy_state(*band, *best);
            save_weights(best_file, cnn_layout(best));
        };
        const auto end = loop.run(stage);
        if (group.world() > 1) progress.note(replica_report(group, band->parameters()));
        if (end == EpochLoop::End::Stopped) return result();
        if (!fs::exists(best_file)) save_weights(best_file, cnn_layout(best));  // zero epochs: the initial weights
        if (group.writes()) {  // the calibration is written by rank 0 alone, so only it computes it
            info.thresholds = calibrate(best, valid, train, device, config.batch * 4);
            write_cnn_run_info(run, info);
            char line[160];
            const auto& t = *info.thresholds;
            std::snprintf(line, sizeof line, "thresholds (piano guitar bass strings drums, best valid F1): %.3f %.3f %.3f %.3f %.3f",
                          t[0], t[1], t[2], t[3], t[4]);
            progress.note(line);
        }
        loop.next_stage();
    }
    if (group.writes())
        plot_curve(curve, run / "curve.png", {"MelodyCNN + HarmonyCNN training", {output == CnnOutput::Sigmoid ? "(BCE)" : "(MSE)"},
                                          "loss per window pair (5 nets)"});
    return result();
}

}  // namespace quintet
