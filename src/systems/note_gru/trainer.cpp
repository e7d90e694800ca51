#include "systems/note_gru/trainer.hpp"

#include <cmath>
#include <cstdio>

#include "corpus/store.hpp"
#include "nn/data_parallel.hpp"
#include "nn/epoch_loop.hpp"
#include "nn/runtime.hpp"
#include "runs/curve_plot.hpp"
#include "runs/run_dir.hpp"
#include "systems/note_gru/model.hpp"
#include "systems/note_gru/token_corpus.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;

namespace {

void validate(const NoteGruTrainConfig& c) {
    if (c.corpus.empty()) throw UsageError("--corpus is required");
    if (c.run_dir.empty()) throw UsageError("--out is required");
    note_gru_family(c.track);
    parse_token_scheme(c.tokens);
    parse_chord_tokens(c.chord_tokens);
    NoteTokenSpec{TokenScheme::Steps, ChordTokens::Pitches, c.resolution}.validate();
    if (c.min_count < 1) throw UsageError("--min-count must be at least 1");
    if (c.window < 2) throw UsageError("--window must be at least 2 tokens");
    if (c.embedding < 1 || c.hidden < 1) throw UsageError("--embedding and --hidden must be positive");
    if (c.layers < 1) throw UsageError("--layers must be at least 1");
    if (c.readout != "all-layers" && c.readout != "top") throw UsageError("--readout '" + c.readout + "': expected all-layers or top");
    if (c.epochs < 0) throw UsageError("--epochs must be >= 0");
    if (c.batch < 1) throw UsageError("--batch must be positive");
    if (!(c.lr > 0)) throw UsageError("--lr must be positive");
    if (!(c.lr_decay > 0 && c.lr_decay <= 1)) throw UsageError("--lr-decay must be in (0, 1]");
    if (!(c.clip > 0)) throw UsageError("--clip must be positive");
    if (c.early_stop < 0) throw UsageError("--early-stop must be >= 0");
    if (c.max_windows < 0) throw UsageError("--max-windows must be >= 0");
}

NoteGruRunInfo info_of(const NoteGruTrainConfig& c, std::int64_t vocabulary) {
    NoteGruRunInfo info;
    info.corpus = fs::absolute(c.corpus);
    info.track = c.track;
    info.tokens = {parse_token_scheme(c.tokens), parse_chord_tokens(c.chord_tokens), c.resolution};
    info.window = c.window;
    info.embedding = c.embedding;
    info.hidden = c.hidden;
    info.layers = c.layers;
    info.all_layers = c.readout == "all-layers";
    info.vocabulary = vocabulary;
    return info;
}

// What a resumed run must share with the run it continues.
std::string settings_text(const NoteGruRunInfo& i) {
    return i.track + ", " + token_scheme_name(i.tokens.scheme) + " tokens (" + chord_tokens_name(i.tokens.chords) +
           " chords) at " + std::to_string(i.tokens.resolution) + " steps per beat, window " + std::to_string(i.window) +
           ", embedding " + std::to_string(i.embedding) + ", hidden " + std::to_string(i.hidden) + " x " +
           std::to_string(i.layers) + (i.all_layers ? " (all-layers readout)" : " (top readout)");
}

std::vector<std::vector<std::int64_t>> encode_all(const NoteVocabulary& vocabulary, const TokenSongs& songs) {
    std::vector<std::vector<std::int64_t>> ids;
    for (const auto& s : songs.tokens) ids.push_back(vocabulary.encode(s));
    return ids;
}

long long count_unknown(const std::vector<std::vector<std::int64_t>>& ids) {
    long long n = 0;
    for (const auto& s : ids)
        for (auto i : s) n += i == 0;
    return n;
}

DataSummary summarise(const char* split, const TokenSongs& songs, long long windows, const std::string& track) {
    DataSummary s;
    s.split = split;
    s.songs = songs.tokens.size();
    s.items = windows;
    s.channels = {track};
    s.non_empty = {windows};
    return s;
}

FlatJsonWriter settings_json(const NoteGruTrainConfig& c, const NoteVocabulary& vocabulary, const TokenSongs& train,
                             const TokenSongs& valid, long long train_unknown) {
    FlatJsonWriter w;
    w.add("track", c.track)
        .add("tokens", c.tokens)
        .add("chord_tokens", c.chord_tokens)
        .add("resolution", c.resolution)
        .add("min_count", c.min_count)
        .add("window", c.window)
        .add("embedding", c.embedding)
        .add("hidden", c.hidden)
        .add("layers", c.layers)
        .add("readout", c.readout)
        .add("epochs", c.epochs)
        .add("batch", c.batch)
        .add("lr", c.lr)
        .add("lr_decay", c.lr_decay)
        .add("clip", c.clip)
        .add("optimizer", "adam")
        .add("device", c.device)
        .add("seed", static_cast<long long>(c.seed))
        .add("early_stop", c.early_stop)
        .add("max_windows", static_cast<long long>(c.max_windows))
        .add("vocabulary", static_cast<long long>(vocabulary.size()))
        .add("train_songs_with_track", static_cast<long long>(train.tokens.size()))
        .add("train_songs_in_split", static_cast<long long>(train.split_songs))
        .add("train_tokens", train.token_count())
        .add("train_unknown_tokens", train_unknown)
        .add("valid_songs_with_track", static_cast<long long>(valid.tokens.size()))
        .add("valid_tokens", valid.token_count());
    return w;
}

void set_learning_rate(torch::optim::Adam& optimizer, double lr) {
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
}

}  // namespace

NoteGruTrainResult train_note_gru(const NoteGruTrainConfig& config, const EpochCallback& on_epoch) {
    const NoteGruTrainConfig& c = config;
    validate(c);
    configure_torch_threads();
    const torch::Device device = parse_device(c.device);
    const int family = note_gru_family(c.track);
    const NoteTokenSpec spec{parse_token_scheme(c.tokens), parse_chord_tokens(c.chord_tokens), c.resolution};
    const fs::path run = c.run_dir, last_file = run / "last.pt", best_file = run / "model.pt";
    const bool resuming = prepare_run_dir(run, kNoteGruModelKind, c.resume);

    auto store = CorpusStore::open(c.corpus);
    Progress progress(c.quiet ? nullptr : stderr, ProgressLines::PerTask);
    TokenSongs train = split_tokens(store, Split::Train, family, spec);
    if (train.tokens.empty())
        throw UsageError(c.corpus.string() + ": none of the " + std::to_string(train.split_songs) + " train songs has a note on the " +
                         c.track + " track (choose another --track)");
    cap_windows(train, c.window, c.max_windows, c.seed);
    TokenSongs valid = split_tokens(store, Split::Valid, family, spec);
    cap_windows(valid, c.window, c.max_windows > 0 ? std::max<std::int64_t>(c.max_windows / 8, 1) : 0, c.seed);

    // The vocabulary comes from the train split; a resumed run keeps the one it started with.
    const NoteVocabulary vocabulary = resuming && fs::exists(run / kVocabularyFile) ? NoteVocabulary::load(run / kVocabularyFile)
                                                                                     : NoteVocabulary::build(train.tokens, c.min_count);
    const NoteGruRunInfo info = info_of(c, vocabulary.size());
    if (resuming) {
        const NoteGruRunInfo before = read_note_gru_run_info(run);
        if (settings_text(before) != settings_text(info) || before.vocabulary != info.vocabulary)
            throw UsageError(run.string() + " holds a note-RNN of " + settings_text(before) + "; asked for " + settings_text(info));
    }
    const auto train_ids = encode_all(vocabulary, train), valid_ids = encode_all(vocabulary, valid);
    std::vector<std::int64_t> window_ids = token_windows(train_ids, c.window);
    const std::int64_t windows = std::int64_t(window_ids.size()) / c.window;
    if (windows == 0)
        throw UsageError(c.corpus.string() + ": no train song has " + std::to_string(c.window) + " tokens on the " + c.track +
                         " track (a smaller --window, or --tokens steps)");
    const std::int64_t valid_windows = std::int64_t(token_windows(valid_ids, c.window).size()) / c.window;

    auto& group = DataParallel::current();  // a world of one unless --distributed: rank 0 alone writes files
    fs::create_directories(run);
    if (group.writes()) {
        if (!resuming) vocabulary.save(run / kVocabularyFile);
        write_note_gru_run_info(run, info);
        write_run_config(run, kNoteGruModelKind, c.corpus, settings_json(c, vocabulary, train, valid, count_unknown(train_ids)),
                         {summarise("train", train, windows, c.track), summarise("valid", valid, valid_windows, c.track)});
    }

    torch::manual_seed(c.seed);
    NoteGruNet net(shape_of(info));
    net->to(device);
    torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(c.lr));
    const CheckpointLayout last_layout = note_gru_layout(net, &optimizer);
    TrainPosition pos;
    CurveFile curve(run / "curve.csv", {"train_nll", "valid_nll"});
    if (resuming) {
        pos = load_checkpoint(last_file, last_layout);
        curve.load_until(pos.stage, pos.epoch);
        progress.note("resuming " + run.string() + " at epoch " + std::to_string(pos.epoch));
    }
    group.broadcast(*net);  // every rank starts from rank 0's weights
    progress.note("data: " + std::to_string(windows) + " windows of " + std::to_string(c.window) + " tokens from " +
                  std::to_string(train.tokens.size()) + " of " + std::to_string(train.split_songs) + " train songs (" + c.track +
                  "), " + std::to_string(valid.token_count()) + " valid tokens; vocabulary " + std::to_string(vocabulary.size()) +
                  " (" + c.tokens + " tokens); device " + c.device);

    const auto all_windows = torch::from_blob(window_ids.data(), {windows, c.window}, torch::kLong).to(device);
    const std::int64_t vocab = vocabulary.size(), predicted = c.window - 1;
    TrainStage stage;
    stage.number = 1;
    stage.label = "note-rnn";
    stage.epochs = c.epochs;
    stage.items = windows;
    stage.batch = c.batch;
    stage.train_epoch = [&](Progress& p) {
        net->train();
        set_learning_rate(optimizer, c.lr * std::pow(c.lr_decay, pos.epoch));  // LambdaLR(0.99 ** epoch)
        const auto order = torch::randperm(windows, torch::kLong).to(device);
        group.split_random_streams();  // the order is shared, dropout masks are each rank's own
        double sum = 0;
        // A global batch is c.batch windows on each rank (all windows have the same length, so a rank's share of
        // the loss is its share of the windows).
        const std::int64_t global = std::int64_t(c.batch) * group.world(), steps = (windows + global - 1) / global;
        for (std::int64_t s = 0; s < steps; ++s) {
            const std::int64_t global_first = s * global, global_count = std::min<std::int64_t>(global, windows - global_first);
            const auto mine = group.shard(global_first, global_count);
            optimizer.zero_grad();
            double value = 0;
            if (mine.count > 0) {
                const auto batch = all_windows.index_select(0, order.narrow(0, mine.first, mine.count));
                torch::Tensor state;
                const auto logits = net->forward(batch.narrow(1, 0, predicted), state);
                const auto loss =
                    torch::nn::functional::cross_entropy(logits.reshape({-1, vocab}), batch.narrow(1, 1, predicted).reshape(-1));
                loss.backward();
                value = loss.item<double>();
            }
            group.reduce_gradients(optimizer, double(mine.count) / double(global_count));
            torch::nn::utils::clip_grad_norm_(net->parameters(), c.clip);
            optimizer.step();
            sum += value * double(mine.count);
            char text[32];
            std::snprintf(text, sizeof text, "nll %.4f", value);
            p.update(std::size_t(s + 1), std::size_t(global_first + global_count), text);
        }
        if (group.world() > 1) sum = group.sum({sum}).front();
        const double mean = sum / double(windows);
        return EpochLosses{mean, {mean}};
    };
    stage.validate = [&]() -> std::optional<EpochLosses> {
        if (valid_ids.empty()) return std::nullopt;
        net->eval();
        const NllSum s = sequences_nll(net, valid_ids, device);
        if (s.tokens == 0) return std::nullopt;
        const double mean = s.nll / double(s.tokens);
        return EpochLosses{mean, {mean}};
    };
    stage.keep_best = [&] { save_net(best_file, net); };
    if (valid_ids.empty()) progress.note("note: the valid split has no " + c.track + " notes; the train NLL selects the best epoch");

    EpochLoop loop({c.seed, c.early_stop}, pos, curve, progress, [&](const TrainPosition& p) { save_checkpoint(last_file, last_layout, p); },
                   on_epoch);
    const auto result = [&](bool finished) {
        const auto summary = summarise_curve(curve, 1).front();
        return NoteGruTrainResult{summary.epochs, summary.best_valid, finished};
    };
    if (pos.stage == 1) {
        if (loop.run(stage) == EpochLoop::End::Stopped) return result(false);
        if (!fs::exists(best_file)) save_net(best_file, net);  // 0 epochs: the initial weights
        loop.next_stage();
    }
    if (group.writes()) plot_curve(curve, run / "curve.png", {"note-RNN training", {"GRU (NLL per token)"}, "NLL per token"});
    return result(true);
}

std::optional<NoteGruLikelihood> note_gru_split_likelihood(const fs::path& run_dir, const fs::path& corpus, const std::string& split,
                                                           const std::string& device_name) {
    Split which;
    if (split == "train")
        which = Split::Train;
    else if (split == "valid")
        which = Split::Valid;
    else if (split == "test")
        which = Split::Test;
    else
        throw UsageError("split '" + split + "': expected train, valid or test");
    const NoteGruRunInfo info = read_note_gru_run_info(run_dir);
    const NoteVocabulary vocabulary = NoteVocabulary::load(run_dir / kVocabularyFile);
    if (vocabulary.size() != info.vocabulary)
        throw FormatError((run_dir / kVocabularyFile).string(), std::to_string(vocabulary.size()) + " tokens, but model.json says " +
                                                                    std::to_string(info.vocabulary));
    configure_torch_threads();
    const torch::Device device = parse_device(device_name);
    const auto store = CorpusStore::open(corpus);
    const TokenSongs songs = split_tokens(store, which, note_gru_family(info.track), info.tokens);
    NoteGruNet net = load_run_net(run_dir, device);
    const NllSum sum = sequences_nll(net, encode_all(vocabulary, songs), device);
    if (sum.tokens == 0) return std::nullopt;
    return NoteGruLikelihood{sum.nll / double(sum.tokens), sum.tokens};
}

}  // namespace quintet
