#include "systems/transformer/trainer.hpp"

#include <cmath>
#include <cstdio>

#include "nn/data_parallel.hpp"
#include "nn/epoch_loop.hpp"
#include "nn/fused_adamw.hpp"
#include "nn/runtime.hpp"
#include "runs/curve_plot.hpp"
#include "runs/run_dir.hpp"
#include "systems/transformer/run_model.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;

void require_sixteenth_store(const CorpusStore& store) {
    if (store.resolution() != tok::steps_per_beat)
        throw UsageError(store.path().string() + " is at " + std::to_string(store.resolution()) +
                         " steps per beat; the Transformer-XL reads 16th notes: build a store at 4 steps per beat with "
                         "`quintet corpus build SRC -o STORE --resolution 4` (or `quintet corpus demo -o STORE --resolution 4`)");
}

std::vector<std::vector<int>> split_tokens(const CorpusStore& store, Split split, TokenVocab vocab) {
    require_sixteenth_store(store);
    std::vector<std::vector<int>> out;
    for (std::size_t i : store.songs_in(split)) {
        auto ids = encode_tokens(store.load(i), vocab);
        if (ids.size() > 2) out.push_back(std::move(ids));  // a song with no note teaches nothing
    }
    return out;
}

TokenStreams token_streams(const std::vector<std::vector<int>>& songs, int rows) {
    std::vector<int> all;
    for (const auto& s : songs) all.insert(all.end(), s.begin(), s.end());
    const std::int64_t length = std::int64_t(all.size()) / rows;
    if (length < 2) return {torch::zeros({rows, 0}, torch::kLong), torch::zeros({rows, 0}, torch::kLong)};
    const std::vector<std::int64_t> ids(all.begin(), all.end());
    auto cut = [&](const std::vector<std::int64_t>& v) { return torch::tensor(v, torch::kLong).narrow(0, 0, length * rows).view({rows, length}); };
    return {cut(ids), cut(token_positions(all))};
}

StreamNll stream_nll(TransformerXl& model, const TokenStreams& streams, int bptt, const torch::Device& device) {
    torch::NoGradGuard no_grad;
    model->eval();
    StreamNll out;
    XlMemory memory;
    const std::int64_t L = streams.length();
    for (std::int64_t s = 0; s + 1 < L; s += bptt) {
        const std::int64_t len = std::min<std::int64_t>(bptt, L - 1 - s);
        auto x = streams.ids.narrow(1, s, len).to(device), y = streams.ids.narrow(1, s + 1, len).to(device);
        XlMemory next;
        auto logits = model(x, memory, &next, streams.positions.narrow(1, s, len).to(device));
        memory = std::move(next);
        out.sum += torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), y.reshape({-1}),
                                                        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                       .item<double>();
        out.tokens += x.numel();
    }
    return out;
}

double one_cycle_lr(double max_lr, double t) {
    constexpr double pct_start = 0.25, div = 25.0, final_div = 1e4;
    auto cos_anneal = [](double from, double to, double f) { return to + (from - to) * (1 + std::cos(M_PI * f)) / 2; };
    if (t < pct_start) return cos_anneal(max_lr / div, max_lr, t / pct_start);
    return cos_anneal(max_lr, max_lr / div / final_div, std::min(1.0, (t - pct_start) / (1 - pct_start)));
}

double one_cycle_momentum(double t) {
    constexpr double pct_start = 0.25;
    auto cos_anneal = [](double from, double to, double f) { return to + (from - to) * (1 + std::cos(M_PI * f)) / 2; };
    if (t < pct_start) return cos_anneal(0.95, 0.85, t / pct_start);
    return cos_anneal(0.85, 0.95, std::min(1.0, (t - pct_start) / (1 - pct_start)));
}

namespace {

void validate(const TransformerTrainConfig& c) {
    if (c.corpus.empty()) throw UsageError("--corpus is required");
    if (c.run_dir.empty()) throw UsageError("--out is required");
    if (c.epochs < 0) throw UsageError("--epochs must be >= 0");
    if (c.batch <= 0) throw UsageError("--batch must be positive");
    if (c.bptt <= 0) throw UsageError("--bptt must be positive");
    if (!(c.lr > 0)) throw UsageError("--lr must be positive");
    if (!(c.clip >= 0)) throw UsageError("--clip must be >= 0");
    if (c.transpose < 0 || c.transpose > 24) throw UsageError("--transpose must be in 0..24");
    if (c.max_songs < 0) throw UsageError("--max-songs must be >= 0");
}

void copy_weights(torch::nn::Module& from, torch::nn::Module& to) {
    torch::NoGradGuard no_grad;
    auto target = to.named_parameters();
    for (const auto& p : from.named_parameters()) target[p.key()].copy_(p.value());
}

DataSummary summarise(const char* split, const std::vector<std::vector<int>>& songs) {
    DataSummary s;
    s.split = split;
    s.songs = songs.size();
    for (const auto& t : songs) s.items += static_cast<long long>(t.size());
    s.channels = {"tokens"};
    s.non_empty = {static_cast<long long>(songs.size())};
    return s;
}

}  // namespace

TransformerTrainResult train_transformer(const TransformerTrainConfig& config, const EpochCallback& on_epoch) {
    validate(config);
    const TokenVocab vocab = parse_token_vocab(config.vocab);
    const TransformerXlConfig net = network_config(config);
    configure_torch_threads();
    const torch::Device device = parse_device(config.device);
    const fs::path run = config.run_dir, last_file = run / "last.pt", best_file = run / "model.pt";

    auto store = CorpusStore::open(config.corpus);
    require_sixteenth_store(store);
    const bool resuming = prepare_run_dir(run, kTransformerKind, config.resume);
    Progress progress(config.quiet ? nullptr : stderr, ProgressLines::PerTask);
    auto train = split_tokens(store, Split::Train, vocab);
    if (config.max_songs > 0 && std::int64_t(train.size()) > config.max_songs) train.resize(std::size_t(config.max_songs));
    const auto valid = split_tokens(store, Split::Valid, vocab);
    // A distributed job reads batch x ranks streams (the global batch); rank r trains on rows [r x batch, (r + 1)
    // x batch), so 2 ranks of batch B see the streams of 1 process of batch 2B. Every rank validates on all of them.
    auto& group = DataParallel::current();  // a world of one unless --distributed: rank 0 alone writes files
    const int rows = config.batch * group.world();
    const TokenStreams valid_streams = token_streams(valid, rows);
    const std::int64_t train_tokens = token_streams(train, rows).ids.numel();
    if (train_tokens < 2LL * rows)
        throw UsageError(config.corpus.string() + ": the train split has too few notes for " + std::to_string(rows) + " streams");
    if (valid_streams.length() < 2) progress.note("note: the valid split is empty; the train loss selects the best epoch");

    fs::create_directories(run);
    FlatJsonWriter settings = network_json(net, vocab);
    settings.add("preset", config.preset)
        .add("epochs", config.epochs)
        .add("batch", config.batch)
        .add("bptt", config.bptt)
        .add("lr", config.lr)
        .add("schedule", "one-cycle")
        .add("weight_decay", config.weight_decay)
        .add("optimizer", "adamw")
        .add("clip", config.clip)
        .add("transpose", config.transpose)
        .add("device", config.device)
        .add("seed", static_cast<long long>(config.seed))
        .add("max_songs", static_cast<long long>(config.max_songs));
    if (group.writes())
        write_run_config(run, kTransformerKind, config.corpus, settings, {summarise("train", train), summarise("valid", valid)});

    torch::manual_seed(config.seed);
    TransformerXl model(net), best(net);
    model->to(device);
    best->to(device);
    copy_weights(*model, *best);
    FusedAdamW optimizer(model->parameters(),
                                  torch::optim::AdamWOptions(config.lr).weight_decay(config.weight_decay).betas({0.95, 0.99}));
    const CheckpointLayout last_layout = transformer_layout(model, vocab, &optimizer);

    TrainPosition pos;
    CurveFile curve(run / "curve.csv", {"train_nll", "train_perplexity", "valid_nll", "valid_perplexity"});
    if (resuming) {
        pos = load_checkpoint(last_file, last_layout);
        load_weights(best_file, transformer_layout(best, vocab));
        curve.load_until(pos.stage, pos.epoch);
        progress.note("resuming " + run.string() + " at epoch " + std::to_string(pos.epoch));
    }
    group.broadcast(*model);  // every rank starts from rank 0's weights
    progress.note("data: " + std::to_string(train.size()) + " train songs (" + std::to_string(train_tokens) + " tokens), " +
                  std::to_string(valid.size()) + " valid songs; device " + config.device);

    // The one-cycle schedule runs over the planned steps; an epoch's step count varies a little with the
    // transpositions (a shifted note can leave the range), so the fraction is clamped.
    const std::int64_t steps_per_epoch = (train_tokens / rows - 1 + config.bptt - 1) / config.bptt;
    const double total_steps = double(std::max<std::int64_t>(1, steps_per_epoch * config.epochs));

    EpochLoop loop({config.seed, 0}, pos, curve, progress,
                   [&](const TrainPosition& p) { save_checkpoint(last_file, last_layout, p); }, on_epoch);
    TrainStage stage;
    stage.number = 1;
    stage.label = "transformer";
    stage.epochs = config.epochs;
    stage.items = train_tokens;
    stage.batch = config.batch * config.bptt;
    stage.train_epoch = [&](Progress& p) {
        model->train();
        // Song order and transpositions from torch's generator, seeded by the loop for this epoch.
        auto order = torch::randperm(std::int64_t(train.size()), torch::kLong);
        auto shifts = torch::randint(-config.transpose, config.transpose + 1, {std::int64_t(train.size())}, torch::kLong);
        std::vector<std::vector<int>> songs;
        for (std::int64_t i = 0; i < order.size(0); ++i) {
            const auto& ids = train[std::size_t(order[i].item<std::int64_t>())];
            const int shift = int(shifts[i].item<std::int64_t>());
            songs.push_back(shift ? transpose_tokens(ids, shift, vocab) : ids);
        }
        group.split_random_streams();  // order and shifts are shared, dropout masks are not
        const TokenStreams all = token_streams(songs, rows);
        const std::int64_t first_row = std::int64_t(group.rank()) * config.batch;
        const TokenStreams streams{all.ids.narrow(0, first_row, config.batch), all.positions.narrow(0, first_row, config.batch)};
        const std::int64_t L = streams.length();
        XlMemory memory;
        double sum = 0;
        long long tokens = 0;
        std::int64_t step = 0;
        for (std::int64_t s = 0; s + 1 < L; s += config.bptt, ++step) {
            const double t = std::min(1.0, double(std::int64_t(pos.epoch) * steps_per_epoch + step) / total_steps);
            for (auto& group : optimizer.param_groups()) {
                auto& o = static_cast<torch::optim::AdamWOptions&>(group.options());
                o.lr(one_cycle_lr(config.lr, t));
                o.betas({one_cycle_momentum(t), 0.99});
            }
            const std::int64_t len = std::min<std::int64_t>(config.bptt, L - 1 - s);
            auto x = streams.ids.narrow(1, s, len).to(device), y = streams.ids.narrow(1, s + 1, len).to(device);
            XlMemory next;
            auto logits = model(x, memory, &next, streams.positions.narrow(1, s, len).to(device));
            memory = std::move(next);
            auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), y.reshape({-1}));
            optimizer.zero_grad();
            loss.backward();
            group.reduce_gradients(optimizer, 1.0 / group.world());  // every rank has as many tokens
            if (config.clip > 0) torch::nn::utils::clip_grad_norm_(model->parameters(), config.clip);
            optimizer.step();
            const double l = loss.item<double>();
            sum += l * double(x.numel());
            tokens += x.numel();
            char text[48];
            std::snprintf(text, sizeof text, "nll %.4g", l);
            p.update(std::size_t(step + 1), std::size_t(tokens * group.world()), text);
        }
        if (group.world() > 1) {  // the epoch's mean over every rank's tokens (each rank has as many)
            sum = group.sum({sum}).front();
            tokens *= group.world();
        }
        const double mean = tokens ? sum / double(tokens) : 0;
        return EpochLosses{mean, {mean, std::exp(mean)}};
    };
    stage.validate = [&]() -> std::optional<EpochLosses> {
        if (valid_streams.length() < 2) return std::nullopt;
        const double mean = stream_nll(model, valid_streams, config.bptt, device).mean();
        return EpochLosses{mean, {mean, std::exp(mean)}};
    };
    stage.keep_best = [&] {
        copy_weights(*model, *best);
        save_weights(best_file, transformer_layout(best, vocab));
    };
    const auto end = loop.run(stage);
    if (group.world() > 1) progress.note(replica_report(group, model->parameters()));
    if (end != EpochLoop::End::Stopped) {
        if (!fs::exists(best_file)) save_weights(best_file, transformer_layout(best, vocab));
        if (group.writes() && !curve.rows().empty())
            plot_curve(curve, run / "curve.png", {"Transformer-XL training", {"NLL per token"}, "nats per token"});
    }
    const auto summary = summarise_curve(curve, 1);
    return {summary[0].epochs, summary[0].best_valid, end != EpochLoop::End::Stopped && pos.epoch >= config.epochs};
}

}  // namespace quintet
