#include "systems/frame_rnn/system.hpp"

#include <algorithm>

#include "represent/frames.hpp"
#include "roll/operations.hpp"
#include "systems/frame_rnn/generator.hpp"
#include "systems/frame_rnn/trainer.hpp"
#include "util/error.hpp"

namespace quintet {

FrameRnnTrainSettings::FrameRnnTrainSettings() {
    auto& c = config;
    table_.push_back(text_option("--output", "bernoulli (a sigmoid per cell, BCE), softmax (one over the frame) or "
                                             "per-instrument (one per track)",
                                 c.output, {"bernoulli", "softmax", "per-instrument"}));
    table_.push_back(text_option("--tracks", "the tracks of a frame, in order (drums, piano, guitar, bass, strings)", c.tracks));
    table_.push_back(text_option("--pitch-range", "the pitches of each track, LOW-HIGH inclusive (JSB: 21-108)", c.pitch_range));
    table_.push_back(int_option("--resolution", "steps per beat (0: the store's own)", c.resolution));
    table_.push_back(int_option("--hidden", "GRU hidden size", c.hidden));
    table_.push_back(int_option("--layers", "GRU layers", c.layers));
    table_.push_back(double_option("--dropout", "dropout on the GRU's output (and between layers)", c.dropout));
    table_.push_back(double_option("--input-dropout", "dropout on the input frames", c.input_dropout));
    table_.push_back(int_option("--window", "predicted steps per training sequence (the article's 32; 0: whole songs)", c.window));
    table_.push_back(int_option("--transpose", "augmentation: move each training piece by a random -N..N semitones (drums stay)",
                                c.transpose));
    table_.push_back(int_option("--epochs", "epochs", c.epochs));
    table_.push_back(int_option("--batch", "sequences per batch", c.batch));
    table_.push_back(double_option("--lr", "Adam learning rate", c.lr));
    table_.push_back(double_option("--lr-decay", "multiply the learning rate by this after every epoch", c.lr_decay));
    table_.push_back(double_option("--weight-decay", "Adam weight decay", c.weight_decay));
    table_.push_back(double_option("--clip", "clip the gradient's global norm to this (0: off)", c.clip));
    table_.push_back(int_option("--early-stop", "stop after this many epochs without a better valid NLL (0: off)", c.early_stop));
}

FrameRnnSampleSettings::FrameRnnSampleSettings() {
    auto& o = base;
    table_.push_back(double_option("--temperature", "Bernoulli: divides each cell's logit; softmax modes: the softmax's", o.temperature));
    table_.push_back(text_option("--notes-per-step",
                                 "softmax runs: N notes per step (default 6); per-instrument runs: piano=2,guitar=3,... "
                                 "(tracks not named: none) or N for each (default piano=2,guitar=3,bass=1,strings=2,drums=2)",
                                 o.notes_per_step));
    table_.push_back(int_option("--prime-steps", "without --prime: steps of a train song of the run's corpus (picked by --seed) "
                                                 "that open the song (0: start from silence)",
                                o.prime_steps));
    table_.push_back(path_option("--from", "a song (.mid/.npz) to regenerate: its first --prime-steps steps open the song, "
                                           "which has its length",
                                 o.from));
    table_.push_back(text_option("--keep", "instruments of --from kept as they are at every step (piano,guitar,bass,strings,drums); "
                                           "the others are drawn anew, hearing the kept ones",
                                 keep));
}

FrameRnnGenerateOptions FrameRnnSampleSettings::resolve(const SampleRequest& request) const {
    FrameRnnGenerateOptions o = base;
    if (request.bars < 1) throw UsageError("--bars must be at least 1");
    o.bars = request.bars;
    o.seed = request.seed;
    o.tempo = request.tempo;
    o.prime = request.prime;
    if (!keep.empty() && o.from.empty()) throw UsageError("--keep needs --from: the song whose instruments are kept");
    if (!o.from.empty() && !o.prime.empty()) throw UsageError("--from opens the song with its own first steps: give no --prime");
    if (!keep.empty()) o.keep = parse_track_list(keep);
    return o;
}

std::vector<int> parse_notes_per_step(const std::string& text, const std::vector<int>& tracks, bool per_instrument, int pitches) {
    auto count = [&](const std::string& t) {
        const long long n = parse_integer("--notes-per-step", t);
        if (n < 0 || n > pitches)
            throw UsageError("--notes-per-step '" + text + "': " + t + " is outside 0.." + std::to_string(pitches));
        return int(n);
    };
    std::vector<int> notes;
    if (!per_instrument) {
        if (text.find('=') != std::string::npos || text.find(',') != std::string::npos)
            throw UsageError("--notes-per-step '" + text + "': this run has one softmax over the frame; give one number");
        notes = {text.empty() ? std::min(kSoftmaxNotesPerStep, int(tracks.size()) * pitches) : count(text)};
    } else if (text.empty()) {
        for (int f : tracks) notes.push_back(std::min(kNotesPerInstrument[f], pitches));
    } else if (text.find('=') == std::string::npos) {
        notes.assign(tracks.size(), count(text));
    } else {
        notes.assign(tracks.size(), 0);
        std::vector<bool> named(tracks.size(), false);
        std::size_t pos = 0;
        while (pos <= text.size()) {
            const std::size_t comma = std::min(text.find(',', pos), text.size());
            const std::string item = text.substr(pos, comma - pos);
            const std::size_t eq = item.find('=');
            if (eq == std::string::npos) throw UsageError("--notes-per-step '" + text + "': '" + item + "' is not NAME=N");
            int family = -1;
            try {
                family = parse_track_list(item.substr(0, eq)).front();
            } catch (const UsageError&) {
                throw UsageError("--notes-per-step '" + text + "': '" + item.substr(0, eq) +
                                 "' is not one of drums, piano, guitar, bass, strings");
            }
            const auto at = std::find(tracks.begin(), tracks.end(), family) - tracks.begin();
            if (at == std::ptrdiff_t(tracks.size()))
                throw UsageError("--notes-per-step '" + text + "': the run has no " + item.substr(0, eq) + " track (it has " +
                                 track_list_text(tracks) + ")");
            if (named[std::size_t(at)]) throw UsageError("--notes-per-step '" + text + "': " + item.substr(0, eq) + " is named twice");
            named[std::size_t(at)] = true;
            notes[std::size_t(at)] = count(item.substr(eq + 1));
            pos = comma + 1;
        }
    }
    if (std::all_of(notes.begin(), notes.end(), [](int n) { return n == 0; }))
        throw UsageError("--notes-per-step '" + text + "': asks for no notes at all");
    return notes;
}

TrainResult FrameRnnSystem::train(const TrainRequest& request, const Settings& settings) {
    FrameRnnTrainConfig config = dynamic_cast<const FrameRnnTrainSettings&>(settings).config;
    apply_train_request(config, request);
    const auto r = train_frame_rnn(config, request.on_epoch);
    TrainResult result;
    result.stages = {{"frame RNN", "NLL per step", r.epochs, r.best_valid}};
    result.finished = r.finished;
    return result;
}

namespace {

class FrameRnnSampler : public Sampler {
public:
    FrameRnnSampler(const std::filesystem::path& run_dir, const std::string& device) : generator_(run_dir, device) {}
    Multitrack sample(const SampleRequest& request, const Settings& settings) override {
        return generator_.generate(dynamic_cast<const FrameRnnSampleSettings&>(settings).resolve(request));
    }

private:
    FrameRnnGenerator generator_;
};

}  // namespace

std::unique_ptr<Sampler> FrameRnnSystem::open(const std::filesystem::path& run_dir, const std::string& device) {
    return std::make_unique<FrameRnnSampler>(run_dir, device);
}

std::optional<System::SplitLikelihood> FrameRnnSystem::split_likelihood(const std::filesystem::path& run_dir,
                                                                        const std::filesystem::path& corpus,
                                                                        const std::string& split, const std::string& device) {
    return frame_rnn_split_likelihood(run_dir, corpus, split, device);
}

}  // namespace quintet
