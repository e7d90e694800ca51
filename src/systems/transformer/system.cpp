#include "systems/transformer/system.hpp"

#include "systems/keep_option.hpp"

#include "corpus/store.hpp"
#include "nn/runtime.hpp"
#include "systems/transformer/generator.hpp"
#include "systems/transformer/trainer.hpp"
#include "util/error.hpp"

namespace quintet {

TransformerTrainSettings::TransformerTrainSettings() {
    auto& c = config;
    table_.push_back(text_option("--vocab", "token vocabulary: lpd5 (five instruments, 320 ids) or musicautobot (one merged part, 312 ids)",
                                 c.vocab, {"musicautobot", "lpd5"}));
    table_.push_back(text_option("--preset", "network size: small (CPU default; the sizes below) or musicautobot (16 layers x 512, mem 512)",
                                 c.preset, {"small", "musicautobot"}));
    table_.push_back(int_option("--layers", "layers (small preset)", c.layers));
    table_.push_back(int_option("--d-model", "model width (small preset)", c.d_model));
    table_.push_back(int_option("--heads", "attention heads, d_model / heads each (small preset)", c.heads));
    table_.push_back(int_option("--d-inner", "feed-forward width (small preset)", c.d_inner));
    table_.push_back(int_option("--mem-len", "positions of segment memory (small preset)", c.mem_len));
    table_.push_back(double_option("--dropout", "dropout of embeddings, attention, residuals and feed-forward", c.dropout));
    table_.push_back(int_option("--epochs", "epochs (the notebook: fit_one_cycle(5))", c.epochs));
    table_.push_back(int_option("--batch", "parallel token streams per batch (the notebook: 4)", c.batch));
    table_.push_back(int_option("--bptt", "tokens per segment (the notebook: 128)", c.bptt));
    table_.push_back(double_option("--lr", "peak learning rate of the one-cycle schedule", c.lr));
    table_.push_back(double_option("--clip", "gradient norm clip (0: off)", c.clip));
    table_.push_back(int_option("--transpose", "each song is shifted by a random [-N, N] semitones every epoch (0: off)", c.transpose));
    table_.push_back(int64_option("--max-songs", "use at most this many training songs (0: all)", c.max_songs));
}

TransformerSampleSettings::TransformerSampleSettings() {
    auto& c = config;
    table_.push_back(double_option("--note-temperature", "temperature when a note or an advance is drawn", c.note_temperature));
    table_.push_back(double_option("--duration-temperature", "temperature when a duration is drawn", c.duration_temperature));
    table_.push_back(int_option("--top-k", "draw among the k most likely ids (0: all)", c.top_k));
    table_.push_back(double_option("--top-p", "then among the most likely ids whose probability reaches p", c.top_p));
    table_.push_back(flag_option("--no-repeat-penalty", "keep the temperature when a token repeats", no_repeat_penalty));
    table_.push_back(flag_option("--recompute", "no key/value cache: re-run the context for every token (slow; for checks)",
                                 c.recompute));
    table_.push_back(path_option("--from", "a song (.mid/.npz) to regenerate, with its length (lpd5 runs): the --keep "
                                           "instruments stay, the model draws the others hearing them",
                                 c.from));
    table_.push_back(text_option("--keep", "instruments of --from kept as they are (piano,guitar,bass,strings,drums): their "
                                           "tokens are forced into the stream in their places",
                                 keep));
}

TrainResult TransformerSystem::train(const TrainRequest& request, const Settings& settings) {
    TransformerTrainConfig config = dynamic_cast<const TransformerTrainSettings&>(settings).config;
    apply_train_request(config, request);
    const auto r = train_transformer(config, request.on_epoch);
    TrainResult result;
    result.stages = {{"language model", "NLL per token", r.epochs, r.best_valid}};
    result.finished = r.finished;
    return result;
}

namespace {

class TransformerSampler : public Sampler {
public:
    TransformerSampler(const std::filesystem::path& run_dir, const std::string& device) : generator_(run_dir, device) {}
    Multitrack sample(const SampleRequest& request, const Settings& settings) override {
        const auto& s = dynamic_cast<const TransformerSampleSettings&>(settings);
        TransformerSampleConfig c = s.config;
        c.repeat_penalty = !s.no_repeat_penalty;
        c.keep = parse_keep(s.keep, c.from);
        if (!c.from.empty() && !request.prime.empty()) throw UsageError("--from gives the song to regenerate: give no --prime");
        return generator_.generate(request, c);
    }

private:
    TransformerGenerator generator_;
};

}  // namespace

std::unique_ptr<Sampler> TransformerSystem::open(const std::filesystem::path& run_dir, const std::string& device) {
    return std::make_unique<TransformerSampler>(run_dir, device);
}

std::optional<System::SplitLikelihood> TransformerSystem::split_likelihood(const std::filesystem::path& run_dir,
                                                                           const std::filesystem::path& corpus,
                                                                           const std::string& split, const std::string& device) {
    Split which;
    if (split == "train") which = Split::Train;
    else if (split == "valid") which = Split::Valid;
    else if (split == "test") which = Split::Test;
    else throw UsageError("split '" + split + "': expected train, valid or test");
    const torch::Device dev = parse_device(device);
    auto run = load_transformer_run(run_dir, dev);
    auto store = CorpusStore::open(corpus);
    // One stream, read in segments of mem_len tokens through memory: every token is predicted once.
    const auto streams = token_streams(split_tokens(store, which, run.vocab), 1);
    const auto nll = stream_nll(run.model, streams, std::max(1, run.model->config.mem_len), dev);
    return SplitLikelihood{nll.mean(), nll.tokens};
}

}  // namespace quintet
