#include "systems/frame_rnn/trainer.hpp"

#include <cmath>
#include <cstdio>

#include "corpus/store.hpp"
#include "nn/data_parallel.hpp"
#include "nn/epoch_loop.hpp"
#include "nn/runtime.hpp"
#include "runs/curve_plot.hpp"
#include "runs/run_dir.hpp"
#include "systems/frame_rnn/model.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;

namespace {

void validate(const FrameRnnTrainConfig& c) {
    if (c.corpus.empty()) throw UsageError("--corpus is required");
    if (c.run_dir.empty()) throw UsageError("--out is required");
    if (c.hidden < 1 || c.layers < 1) throw UsageError("--hidden and --layers must be positive");
    if (c.window < 0) throw UsageError("--window must be >= 0 (0: whole songs)");
    if (c.epochs < 0) throw UsageError("--epochs must be >= 0");
    if (c.batch < 1) throw UsageError("--batch must be positive");
    if (!(c.lr > 0)) throw UsageError("--lr must be positive");
    if (!(c.lr_decay > 0 && c.lr_decay <= 1)) throw UsageError("--lr-decay must be in (0, 1]");
    if (!(c.weight_decay >= 0) || !(c.clip >= 0)) throw UsageError("--weight-decay and --clip must be >= 0");
    if (!(c.dropout >= 0 && c.dropout < 1) || !(c.input_dropout >= 0 && c.input_dropout < 1))
        throw UsageError("--dropout and --input-dropout must be in [0, 1)");
    if (c.early_stop < 0) throw UsageError("--early-stop must be >= 0");
    if (c.transpose < 0 || c.transpose > 24) throw UsageError("--transpose must be in 0..24 semitones");
    if (c.resolution < 0) throw UsageError("--resolution must be >= 0 (0: the store's)");
}

FrameSpec spec_for(const FrameRnnTrainConfig& c, const CorpusStore& store) {
    FrameSpec spec;
    spec.tracks = parse_track_list(c.tracks);
    parse_pitch_range(c.pitch_range, spec.lowest_pitch, spec.pitches);
    spec.resolution = c.resolution > 0 ? c.resolution : store.resolution();
    spec.validate();
    return spec;
}

FlatJsonWriter settings_json(const FrameRnnTrainConfig& c, const FrameSpec& spec) {
    FlatJsonWriter w;
    w.add("tracks", track_list_text(spec.tracks))
        .add("lowest_pitch", spec.lowest_pitch)
        .add("pitches", spec.pitches)
        .add("resolution", spec.resolution)
        .add("output", c.output)
        .add("hidden", c.hidden)
        .add("layers", c.layers)
        .add("dropout", c.dropout)
        .add("input_dropout", c.input_dropout)
        .add("window", c.window)
        .add("transpose", c.transpose)
        .add("epochs", c.epochs)
        .add("batch", c.batch)
        .add("lr", c.lr)
        .add("lr_decay", c.lr_decay)
        .add("weight_decay", c.weight_decay)
        .add("clip", c.clip)
        .add("optimizer", "adam")
        .add("early_stop", c.early_stop)
        .add("device", c.device)
        .add("seed", static_cast<long long>(c.seed));
    return w;
}

DataSummary summarise(const char* split, const FrameSet& set, std::size_t windows) {
    DataSummary s;
    s.split = split;
    s.songs = set.sequences();
    s.items = static_cast<long long>(windows);
    s.pairs = static_cast<long long>(set.steps());  // steps: every one is a prediction
    const std::size_t pitches = std::size_t(set.spec.pitches), width = set.spec.frame_size();
    for (std::size_t c = 0; c < set.spec.tracks.size(); ++c) {
        s.channels.push_back(track_list_text({set.spec.tracks[c]}));
        long long active = 0;  // steps where this track sounds
        for (std::size_t t = 0; t < set.steps(); ++t) {
            const std::uint8_t* p = set.cells.data() + t * width + c * pitches;
            for (std::size_t i = 0; i < pitches; ++i)
                if (p[i]) {
                    ++active;
                    break;
                }
        }
        s.non_empty.push_back(active);
    }
    return s;
}

// One training epoch over the windows in random order (torch's generator, seeded by the epoch loop). In a
// distributed job each global batch of batch * ranks windows is shared out, and the gradients are averaged
// weighted by each rank's modelled steps (the loss is a mean per step).
EpochLosses train_pass(FrameRnn& model, const FrameSet& set, const std::vector<FrameWindow>& windows,
                       const FrameRnnTrainConfig& c, const torch::Device& device, torch::optim::Optimizer& optimizer,
                       Progress& progress) {
    model->train();
    auto& group = DataParallel::current();
    const auto order = torch::randperm(std::int64_t(windows.size()), torch::kLong);
    const std::int64_t* o = order.data_ptr<std::int64_t>();
    // Transposition: one shift in [-transpose, transpose] per window and epoch, from the seeded generator.
    const auto drawn = c.transpose > 0 ? torch::randint(-c.transpose, c.transpose + 1, {std::int64_t(windows.size())}, torch::kLong)
                                       : torch::zeros({std::int64_t(windows.size())}, torch::kLong);
    const std::int64_t* shift = drawn.data_ptr<std::int64_t>();
    group.split_random_streams();  // order and shifts are shared, dropout masks are not
    NllSum sum;
    const std::int64_t n = std::int64_t(windows.size()), global = std::int64_t(c.batch) * group.world();
    const std::int64_t batches = (n + global - 1) / global;
    for (std::int64_t b = 0; b < batches; ++b) {
        const std::int64_t global_first = b * global, global_count = std::min(global, n - global_first);
        const auto mine = group.shard(global_first, global_count);
        const std::size_t first = std::size_t(mine.first), last = std::size_t(mine.first + mine.count);
        optimizer.zero_grad();
        double nll = 0, steps = 0;
        torch::Tensor loss;
        if (mine.count > 0) {
            const std::vector<int> shifts = c.transpose > 0 ? std::vector<int>(shift + first, shift + last) : std::vector<int>{};
            const FrameBatch batch = make_batch(set, windows, std::vector<std::int64_t>(o + first, o + last), device, shifts);
            const auto counted = batch.mask * model->modelled_steps(batch.targets);
            const auto total = (model->step_nll(model->forward(batch.inputs).first, batch.targets) * counted).sum();
            steps = counted.sum().item<double>();
            nll = total.item<double>();
            loss = total / std::max(steps, 1.0);
        }
        // Every rank's share of the global batch's steps (one more tiny all-reduce per step when distributed).
        const double global_steps = group.world() > 1 ? group.sum({steps}).front() : steps;
        if (loss.defined()) loss.backward();
        group.reduce_gradients(optimizer, global_steps > 0 ? steps / global_steps : 0.0);
        if (c.clip > 0) torch::nn::utils::clip_grad_norm_(model->parameters(), c.clip);
        optimizer.step();
        sum.nll += nll;
        sum.steps += static_cast<long long>(steps);
        char text[32];
        std::snprintf(text, sizeof text, "nll %.4g", sum.mean());
        progress.update(std::size_t(b + 1), std::size_t(global_first + global_count), text);
    }
    if (group.world() > 1) {  // the epoch's mean over every rank's steps
        const auto totals = group.sum({sum.nll, double(sum.steps)});
        sum.nll = totals[0];
        sum.steps = static_cast<long long>(totals[1]);
    }
    return {sum.mean(), {sum.mean()}};
}

}  // namespace

FrameRnnTrainResult train_frame_rnn(const FrameRnnTrainConfig& config, const EpochCallback& on_epoch) {
    validate(config);
    const FrameOutput output = parse_frame_output(config.output);
    configure_torch_threads();
    const torch::Device device = parse_device(config.device);
    const fs::path run = config.run_dir, last_file = run / "last.pt", best_file = run / "model.pt";
    auto store = CorpusStore::open(config.corpus);
    const FrameSpec spec = spec_for(config, store);

    // A run directory holds one network: a resumed run must ask for the same one.
    const bool resuming = prepare_run_dir(run, kFrameRnnKind, config.resume);
    FrameRnnShape shape{int(spec.tracks.size()), spec.pitches, config.hidden, config.layers, output, config.input_dropout,
                        config.dropout};
    if (resuming) {
        const FrameRnnRun before = read_frame_rnn_run(run);
        if (before.spec.tracks != spec.tracks || before.spec.pitches != spec.pitches ||
            before.spec.lowest_pitch != spec.lowest_pitch || before.spec.resolution != spec.resolution ||
            before.shape.hidden != shape.hidden || before.shape.layers != shape.layers || before.shape.output != output)
            throw UsageError(run.string() + " holds another frame RNN (tracks, pitches, resolution, hidden, layers or "
                                            "output differ): resume it with its own settings (config.json)");
    }

    Progress progress(config.quiet ? nullptr : stderr, ProgressLines::PerTask);
    const FrameSet train = store_frames(store, Split::Train, spec), valid = store_frames(store, Split::Valid, spec);
    if (train.steps() == 0) throw UsageError(config.corpus.string() + ": the train split has no steps");
    if (valid.steps() == 0) progress.note("note: the valid split is empty; the train loss selects the best epoch");
    const auto windows = frame_windows(train, config.window);

    auto& group = DataParallel::current();  // a world of one unless --distributed: rank 0 alone writes files
    fs::create_directories(run);
    if (group.writes())
        write_run_config(run, kFrameRnnKind, config.corpus, settings_json(config, spec),
                         {summarise("train", train, windows.size()), summarise("valid", valid, valid.sequences())});

    torch::manual_seed(config.seed);
    FrameRnn model(shape);
    model->to(device);
    torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(config.lr).weight_decay(config.weight_decay));
    const CheckpointLayout last_layout = frame_rnn_layout(model, &adam), best_layout = frame_rnn_layout(model);

    TrainPosition pos;
    CurveFile curve(run / "curve.csv", {"train_nll", "valid_nll"});
    if (resuming) {
        pos = load_checkpoint(last_file, last_layout);
        curve.load_until(pos.stage, pos.epoch);
        progress.note("resuming " + run.string() + " at epoch " + std::to_string(pos.epoch));
    }
    group.broadcast(*model);  // every rank starts from rank 0's weights
    progress.note("data: " + std::to_string(train.sequences()) + " train songs (" + std::to_string(train.steps()) + " steps, " +
                  std::to_string(windows.size()) + " windows), " + std::to_string(valid.sequences()) + " valid songs; frame " +
                  std::to_string(spec.frame_size()) + " cells; device " + config.device);

    EpochLoop loop({config.seed, config.early_stop}, pos, curve, progress,
                   [&](const TrainPosition& p) { save_checkpoint(last_file, last_layout, p); }, on_epoch);
    TrainStage stage;
    stage.number = 1;
    stage.label = "frame-rnn";
    stage.epochs = config.epochs;
    stage.items = std::int64_t(windows.size());
    stage.batch = config.batch;
    stage.train_epoch = [&](Progress& p) {
        // The rate of this epoch from its number alone, so --resume continues the schedule.
        for (auto& group : adam.param_groups())
            static_cast<torch::optim::AdamOptions&>(group.options()).lr(config.lr * std::pow(config.lr_decay, pos.epoch));
        return train_pass(model, train, windows, config, device, adam, p);
    };
    stage.validate = [&]() -> std::optional<EpochLosses> {
        if (valid.steps() == 0) return std::nullopt;
        const double nll = sequence_nll(model, valid, 4 * config.batch, device).mean();
        return EpochLosses{nll, {nll}};
    };
    stage.keep_best = [&] { save_weights(best_file, best_layout); };
    // One stage that stays open: --resume with more --epochs continues it.
    const EpochLoop::End end = loop.run(stage);
    if (!fs::exists(best_file)) save_weights(best_file, best_layout);  // zero epochs: the initial weights
    if (group.writes()) plot_curve(curve, run / "curve.png", {"frame-RNN training", {"NLL per step"}, "nats per step"});
    const auto summary = summarise_curve(curve, 1).front();
    return {summary.epochs, summary.best_valid, end != EpochLoop::End::Stopped};
}

}  // namespace quintet
