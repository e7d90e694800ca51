#include "systems/note_gru/system.hpp"

#include "systems/note_gru/generator.hpp"
#include "systems/note_gru/trainer.hpp"
#include "systems/request_options.hpp"
#include "util/error.hpp"

namespace quintet {

NoteGruTrainSettings::NoteGruTrainSettings() {
    auto& c = config;
    table_.push_back(text_option("--track", "the instrument whose notes are the tokens", c.track,
                                 {"drums", "piano", "guitar", "bass", "strings"}));
    table_.push_back(text_option("--tokens",
                                 "steps: one token per grid step, with hold and rest (keeps rhythm and lengths); "
                                 "events: one token per onset set, the article's",
                                 c.tokens, {"steps", "events"}));
    table_.push_back(text_option("--chord-tokens", "chords as pitches with octave, or as pitch classes (the original)",
                                 c.chord_tokens, {"pitch", "pitch-class"}));
    table_.push_back(int_option("--resolution", "grid steps per beat that onsets snap to", c.resolution));
    table_.push_back(int_option("--min-count", "tokens seen fewer times in the train split become <unk>", c.min_count));
    table_.push_back(int_option("--window", "tokens per training window (the original: 64)", c.window));
    table_.push_back(int_option("--embedding", "embedding size", c.embedding));
    table_.push_back(int_option("--hidden", "GRU hidden size (the original: 96)", c.hidden));
    table_.push_back(int_option("--layers", "GRU layers (the original: 2)", c.layers));
    table_.push_back(text_option("--readout", "the decoder reads every layer's state (the original) or the top layer's",
                                 c.readout, {"all-layers", "top"}));
    table_.push_back(int_option("--epochs", "epochs (the original: 40)", c.epochs));
    table_.push_back(int_option("--batch", "windows per step (the original: 1)", c.batch));
    table_.push_back(double_option("--lr", "Adam learning rate", c.lr));
    table_.push_back(double_option("--lr-decay", "learning-rate factor per epoch", c.lr_decay));
    table_.push_back(double_option("--clip", "global gradient-norm limit", c.clip));
    table_.push_back(int_option("--early-stop", "stop after this many epochs without a better valid NLL (0: off)", c.early_stop));
    table_.push_back(int64_option("--max-windows", "use at most this many training windows (whole songs; 0: all)", c.max_windows));
}

NoteGruSampleSettings::NoteGruSampleSettings() {
    auto& o = base;
    table_.push_back(int_option("--prime-bars",
                                "bars of the primer that open the song (default: all of --prime, 2 of a corpus song; "
                                "0: none, the first token drawn from the train token counts)",
                                o.prime_bars));
    table_.back().default_value = "";
    table_.push_back(double_option("--temperature", "softmax temperature (the original: 1.2)", o.temperature));
    table_.push_back(flag_option("--greedy", "always the most likely token", o.greedy));
    table_.push_back(int_option("--top-k", "draw among the k most likely tokens (0: off)", o.top_k));
    table_.push_back(double_option("--top-p", "draw among the most likely tokens whose probability reaches p (1: off)", o.top_p));
}

NoteGruGenerateOptions NoteGruSampleSettings::resolve(const SampleRequest& request) const {
    check_sample_request(request);
    NoteGruGenerateOptions o = base;
    o.bars = request.bars;
    o.seed = request.seed;
    o.tempo = request.tempo;
    o.prime = request.prime;
    return o;
}

TrainResult NoteGruSystem::train(const TrainRequest& request, const Settings& settings) {
    NoteGruTrainConfig config = dynamic_cast<const NoteGruTrainSettings&>(settings).config;
    apply_train_request(config, request);
    const auto r = train_note_gru(config, request.on_epoch);
    TrainResult result;
    result.stages = {{"GRU language model", "NLL per token", r.epochs, r.best_valid}};
    result.finished = r.finished;
    return result;
}

namespace {

class NoteGruSampler : public Sampler {
public:
    NoteGruSampler(const std::filesystem::path& run_dir, const std::string& device) : generator_(run_dir, device) {}
    Multitrack sample(const SampleRequest& request, const Settings& settings) override {
        return generator_.generate(dynamic_cast<const NoteGruSampleSettings&>(settings).resolve(request));
    }

private:
    NoteGruGenerator generator_;
};

}  // namespace

std::unique_ptr<Sampler> NoteGruSystem::open(const std::filesystem::path& run_dir, const std::string& device) {
    return std::make_unique<NoteGruSampler>(run_dir, device);
}

std::optional<System::SplitLikelihood> NoteGruSystem::split_likelihood(const std::filesystem::path& run_dir,
                                                                      const std::filesystem::path& corpus, const std::string& split,
                                                                      const std::string& device) {
    const auto r = note_gru_split_likelihood(run_dir, corpus, split, device);
    if (!r) return std::nullopt;
    return SplitLikelihood{r->nll_per_token, r->tokens};
}

}  // namespace quintet
