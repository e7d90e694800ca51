#include "systems/note_gru/generator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "corpus/song_loader.hpp"
#include "corpus/store.hpp"
#include "nn/runtime.hpp"
#include "nn/sampling.hpp"
#include "roll/operations.hpp"
#include "systems/note_gru/model.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;

namespace {

void validate(const NoteGruGenerateOptions& o) {
    if (o.bars < 1) throw UsageError("--bars must be at least 1");
    if (!(o.tempo > 0 && o.tempo <= 1000)) throw UsageError("--tempo must be in (0, 1000] bpm");
    if (o.prime_bars < -1) throw UsageError("--prime-bars must be >= 0");
    if (o.prime_bars == 0 && !o.prime.empty()) throw UsageError("--prime-bars 0 means no primer, but --prime names one");
    check_token_sampling(TokenSampling{o.greedy, o.temperature, o.top_k, o.top_p});
}

// The first `steps` steps of a track (all of it when shorter).
Track first_steps(const Track& t, std::size_t steps) {
    Track out = t;
    if (out.steps() > steps) out.resize_steps(steps);
    return out;
}

}  // namespace

struct NoteGruGenerator::Impl {
    NoteGruRunInfo info;
    NoteVocabulary vocabulary;
    torch::Device device{torch::kCPU};
    NoteGruNet net{nullptr};
    std::unique_ptr<NoteGruStepper> stepper;  // CPU: generation without torch's per-op cost (gru_step.hpp)

    TokenSampling sampling(const NoteGruGenerateOptions& o) const { return {o.greedy, o.temperature, o.top_k, o.top_p}; }

    // The primer's roll on the run's grid, cut to its bars; empty when there is none.
    Track primer_roll(const NoteGruGenerateOptions& o, SamplingRng& rng) const {
        const int family = note_gru_family(info.track);
        const int res = info.tokens.resolution;
        const std::size_t bar = std::size_t(4 * res);
        if (o.prime_bars == 0) return {};
        if (!o.prime.empty()) {
            const Track t = song_track(load_song_file(o.prime), family, res);
            if (t.roll.empty())
                throw UsageError(o.prime.string() + ": no " + info.track + " notes to prime with (the run's instrument)");
            return o.prime_bars < 0 ? t : first_steps(t, std::size_t(o.prime_bars) * bar);
        }
        std::error_code ec;
        if (!fs::is_regular_file(info.corpus, ec)) return {};  // the corpus is gone: start from the token counts
        const auto store = CorpusStore::open(info.corpus);
        auto ids = store.songs_in(Split::Train);
        std::shuffle(ids.begin(), ids.end(), rng.engine());
        for (std::size_t id : ids) {
            const Track t = song_track(store.load(id), family, res);
            if (!t.roll.empty()) return first_steps(t, std::size_t(o.prime_bars < 0 ? kCorpusPrimeBars : o.prime_bars) * bar);
        }
        throw UsageError(info.corpus.string() + ": no train song has " + info.track + " notes to prime with");
    }

    Primer primer(const NoteGruGenerateOptions& o, SamplingRng& rng) const {
        validate(o);
        Primer p;
        const Track roll = primer_roll(o, rng);
        const std::size_t limit = std::size_t(o.bars) * std::size_t(info.tokens.tokens_per_bar()) - 1;  // leave one to draw
        if (!roll.roll.empty()) {
            p.tokens = encode_track(roll, info.tokens);
            if (info.tokens.scheme == TokenScheme::Steps) {
                p.tokens.resize(roll.steps(), kRestToken);  // the primer's trailing silence is part of it
                p.roll = roll;
            }
        }
        if (p.tokens.size() > limit) {
            p.tokens.resize(limit);
            if (!p.roll.roll.empty()) p.roll.resize_steps(limit);
        }
        if (p.tokens.empty()) {  // no primer: one token drawn from the train split's counts
            std::vector<double> log_counts(std::size_t(vocabulary.size()));
            for (std::int64_t i = 0; i < vocabulary.size(); ++i)
                log_counts[std::size_t(i)] = i == 0 || vocabulary.count(i) == 0 ? -std::numeric_limits<double>::infinity()
                                                                               : std::log(double(vocabulary.count(i)));
            const auto first = sample_token(torch::tensor(log_counts, torch::kDouble), TokenSampling{}, rng);
            p.tokens = {vocabulary.token(first)};
            p.roll = {};
        }
        return p;
    }

    std::vector<std::int64_t> continue_ids(const std::vector<std::int64_t>& prime, std::int64_t count, const NoteGruGenerateOptions& o,
                                           SamplingRng& rng) {
        if (prime.empty()) throw UsageError("generation needs at least one primer token");
        const TokenSampling s = sampling(o);
        check_token_sampling(s);
        torch::InferenceMode inference;
        std::vector<std::int64_t> out;
        out.reserve(std::size_t(std::max<std::int64_t>(count, 0)));
        if (stepper) {
            std::vector<float> logits(std::size_t(stepper->vocabulary()));
            const auto view = torch::from_blob(logits.data(), {stepper->vocabulary()}, torch::kFloat);
            stepper->reset();
            for (auto id : prime) stepper->step(id, logits.data());  // the primer, once
            for (std::int64_t i = 0; i < count; ++i) {
                if (logits.size() > 1) logits[0] = -std::numeric_limits<float>::infinity();  // never <unk>
                out.push_back(sample_token(view, s, rng));
                if (i + 1 < count) stepper->step(out.back(), logits.data());
            }
            return out;
        }
        torch::Tensor state;
        auto input = torch::tensor(prime, torch::kLong).view({1, -1}).to(device);
        auto logits = net->forward(input, state);  // the primer, once
        torch::Tensor last = logits[0][logits.size(1) - 1];
        for (std::int64_t i = 0; i < count; ++i) {
            if (last.size(0) > 1) last[0] = -std::numeric_limits<float>::infinity();  // never <unk>
            const std::int64_t id = sample_token(last, s, rng);
            out.push_back(id);
            if (i + 1 == count) break;
            last = net->forward(torch::full({1, 1}, id, torch::TensorOptions(torch::kLong).device(device)), state)[0][0];
        }
        return out;
    }
};

NoteGruGenerator::NoteGruGenerator(const fs::path& run_dir, const std::string& device) : impl_(std::make_unique<Impl>()) {
    configure_torch_threads();
    impl_->info = read_note_gru_run_info(run_dir);
    impl_->vocabulary = NoteVocabulary::load(run_dir / kVocabularyFile);
    if (impl_->vocabulary.size() != impl_->info.vocabulary)
        throw FormatError((run_dir / kVocabularyFile).string(), std::to_string(impl_->vocabulary.size()) +
                                                                    " tokens, but model.json says " + std::to_string(impl_->info.vocabulary));
    impl_->device = parse_device(device);
    impl_->net = load_run_net(run_dir, impl_->device);
    if (impl_->device.is_cpu()) impl_->stepper = std::make_unique<NoteGruStepper>(weights_of(impl_->net));
}

NoteGruGenerator::~NoteGruGenerator() = default;

const NoteGruRunInfo& NoteGruGenerator::info() const { return impl_->info; }
const NoteVocabulary& NoteGruGenerator::vocabulary() const { return impl_->vocabulary; }

NoteGruGenerator::Primer NoteGruGenerator::primer(const NoteGruGenerateOptions& options) {
    SamplingRng rng(options.seed);
    return impl_->primer(options, rng);
}

std::vector<std::int64_t> NoteGruGenerator::continue_ids(const std::vector<std::int64_t>& prime, std::int64_t count,
                                                         const NoteGruGenerateOptions& options, std::uint64_t seed) {
    SamplingRng rng(seed);
    return impl_->continue_ids(prime, count, options, rng);
}

Multitrack NoteGruGenerator::generate(const NoteGruGenerateOptions& options) {
    SamplingRng rng(options.seed);
    const NoteTokenSpec& spec = impl_->info.tokens;
    const Primer p = impl_->primer(options, rng);
    const std::int64_t total = std::int64_t(options.bars) * spec.tokens_per_bar();
    const auto drawn = impl_->continue_ids(impl_->vocabulary.encode(p.tokens), total - std::int64_t(p.tokens.size()), options, rng);
    std::vector<std::string> tokens = p.tokens;  // the primer's own tokens, even those outside the vocabulary
    for (auto id : drawn) tokens.push_back(impl_->vocabulary.token(id));

    Track track = decode_tokens(tokens, spec);
    if (!p.roll.roll.empty())  // the primer's notes as they were, velocities included
        std::copy(p.roll.roll.begin(), p.roll.roll.end(), track.roll.begin());
    const auto family = static_cast<Family>(note_gru_family(impl_->info.track));
    track.name = family_name(family);
    track.program = family_program(family);
    track.is_drum = family == Family::Drums;

    Multitrack song;
    song.name = "note-rnn";
    song.resolution = spec.output_resolution();
    song.tempo.assign(track.steps(), options.tempo);
    song.tracks.push_back(std::move(track));
    return song;
}

}  // namespace quintet
