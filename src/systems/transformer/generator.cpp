#include "systems/transformer/generator.hpp"

#include <deque>
#include <limits>

#include "corpus/song_loader.hpp"
#include "systems/keep_option.hpp"
#include "nn/runtime.hpp"
#include "nn/sampling.hpp"
#include "util/error.hpp"

namespace quintet {

std::vector<bool> allowed_next(int previous, int family, TokenVocab vocab) {
    std::vector<bool> ok(std::size_t(vocab_size(vocab)), false);
    if (tok::is_note(previous)) {
        for (int d = 1; d <= tok::max_note_steps; ++d) ok[std::size_t(tok::dur_begin + d)] = true;
    } else if (previous == tok::sep) {
        for (int d = 1; d <= tok::max_sep_steps; ++d) ok[std::size_t(tok::dur_begin + d)] = true;
    } else {
        const bool drums = vocab == TokenVocab::lpd5 && family == 0;
        const bool after_instrument = vocab == TokenVocab::lpd5 && previous >= tok::instrument_begin && previous < tok::instrument_end;
        const bool has_part = vocab == TokenVocab::musicautobot || family >= 0;
        if (has_part)
            for (int p = drums ? 0 : tok::lowest_pitch; p <= (drums ? 127 : tok::highest_pitch); ++p)
                ok[std::size_t(tok::note_begin + p)] = true;
        if (!after_instrument) {
            ok[tok::sep] = true;
            if (vocab == TokenVocab::lpd5)
                for (int i = tok::instrument_begin; i < tok::instrument_end; ++i) ok[std::size_t(i)] = true;
        }
    }
    return ok;
}

TransformerGenerator::TransformerGenerator(const std::filesystem::path& run_dir, const std::string& device)
    : device_(parse_device(device)) {
    run_ = load_transformer_run(run_dir, device_);
    if (device_.is_cpu() && XlFastStep::supports(*run_.model)) fast_ = std::make_unique<XlFastStep>(*run_.model);
}

KeptTokens kept_tokens(const Multitrack& song, const std::vector<int>& keep) {
    KeptTokens k;
    for (int f : keep) k.kept[std::size_t(f)] = true;
    for (const TokenNote& n : vocab_notes(song, TokenVocab::lpd5)) {  // in token order: start, family, pitch descending
        if (!k.kept[std::size_t(n.family)]) continue;
        auto& groups = k.groups[n.start];
        if (groups.empty() || groups.back().front() != tok::instrument_begin + n.family)
            groups.push_back({tok::instrument_begin + n.family});
        groups.back().push_back(tok::note_begin + n.pitch);
        groups.back().push_back(tok::dur_begin + n.duration);
    }
    return k;
}

std::vector<int> TransformerGenerator::generate_ids(const std::vector<int>& primer, std::size_t steps, std::uint64_t seed,
                                                    const TransformerSampleConfig& c, const KeptTokens* kept) {
    if (kept && run_.vocab != TokenVocab::lpd5)
        throw UsageError("--keep: this run's musicautobot vocabulary merges the instruments into one part; "
                         "a run trained with --vocab lpd5 can keep some");
    torch::NoGradGuard no_grad;
    TransformerXl& model = run_.model;
    const int mem_len = model->config.mem_len;
    SamplingRng rng(seed);
    std::vector<int> ids = primer.empty() ? std::vector<int>{tok::bos, tok::pad} : primer;
    std::size_t now = token_steps(ids).back();
    int family = -1;  // lpd5: the instrument of the current group
    for (int id : ids)
        if (id >= tok::instrument_begin && id < tok::instrument_end) family = id - tok::instrument_begin;
        else if (id == tok::sep) family = -1;

    std::vector<std::int64_t> positions = token_positions(ids);  // the beat/bar input of each id
    auto as_tensor = [&](std::size_t from, std::size_t to) {
        std::vector<std::int64_t> v(ids.begin() + long(from), ids.begin() + long(to));
        return torch::tensor(v, torch::kLong).view({1, -1}).to(device_);
    };
    auto positions_of = [&](std::size_t from, std::size_t to) {
        std::vector<std::int64_t> v(positions.begin() + long(from), positions.begin() + long(to));
        return torch::tensor(v, torch::kLong).view({1, -1}).to(device_);
    };
    // The primer goes through the cache in pieces of at most mem_len tokens (as segments with memory).
    XlCache cache;
    torch::Tensor last;
    if (!c.recompute)
        for (std::size_t from = 0; from < ids.size(); from += std::size_t(std::max(mem_len, 1))) {
            const std::size_t to = std::min(ids.size(), from + std::size_t(std::max(mem_len, 1)));
            last = model->step(as_tensor(from, to), cache, positions_of(from, to)).select(1, -1)[0];
        }

    const std::size_t max_tokens = ids.size() + steps * 64 + 64;  // a model that never advances still ends
    int repeats = 0;
    std::deque<int> forced;      // the rest of a kept group being written
    std::size_t placed = 0;      // kept groups of step `now` written so far
    auto is_instrument = [](int id) { return id >= tok::instrument_begin && id < tok::instrument_end; };
    while (now < steps && ids.size() < max_tokens) {
        if (c.recompute) {
            const std::size_t from = ids.size() > std::size_t(mem_len) + 1 ? ids.size() - std::size_t(mem_len) - 1 : 0;
            last = model(as_tensor(from, ids.size()), XlMemory{}, nullptr, positions_of(from, ids.size())).select(1, -1)[0];
        }
        const int previous = ids.back();
        int id;
        if (!forced.empty()) {
            id = forced.front();
            forced.pop_front();
        } else {
            const bool drawing_duration = tok::is_note(previous) || previous == tok::sep;
            TokenSampling s;
            s.temperature = drawing_duration ? c.duration_temperature : c.note_temperature;
            if (c.repeat_penalty) s.temperature = repeat_penalty_temperature(s.temperature, repeats);
            s.top_k = c.top_k;
            s.top_p = c.top_p;
            auto ok = allowed_next(previous, family, run_.vocab);
            // The kept group due next at this step, if any.
            const std::vector<int>* due = nullptr;
            if (kept) {
                const auto at = kept->groups.find(now);
                if (at != kept->groups.end() && placed < at->second.size()) due = &at->second[placed];
                for (int f = 0; f < 5; ++f)
                    if (kept->kept[std::size_t(f)]) ok[std::size_t(tok::instrument_begin + f)] = false;  // never drawn
                if (!drawing_duration && family >= 0 && kept->kept[std::size_t(family)])
                    for (int n = tok::note_begin; n < tok::note_end; ++n) ok[std::size_t(n)] = false;  // never continued
                if (previous == tok::sep) {  // never past the next kept onset
                    const auto next = kept->groups.upper_bound(now);
                    if (next != kept->groups.end())
                        for (int d = int(next->first - now) + 1; d <= tok::max_sep_steps; ++d) ok[std::size_t(tok::dur_begin + d)] = false;
                }
            }
            auto logits = last.to(torch::kCPU, torch::kDouble).clone();
            auto* l = logits.data_ptr<double>();
            for (std::size_t i = 0; i < ok.size(); ++i)
                if (!ok[i]) l[i] = -std::numeric_limits<double>::infinity();
            id = int(sample_token(logits, s, rng));
            // Drawn past the due kept group (the advance, or a later instrument): the group goes here instead.
            if (due && (id == tok::sep || (is_instrument(id) && id > due->front()))) {
                forced.assign(due->begin() + 1, due->end());
                id = due->front();
                ++placed;
            }
        }
        // A token that repeats the one two back (the same slot of the previous note/duration pair) counts.
        repeats = ids.size() >= 2 && ids[ids.size() - 2] == id ? repeats + 1 : 0;
        if (previous == tok::sep) {
            now += std::size_t(id - tok::dur_begin);
            family = -1;
            placed = 0;
        }
        if (is_instrument(id)) family = id - tok::instrument_begin;
        ids.push_back(id);
        const std::size_t n = ids.size();  // as token_positions: an advance counts from the id after `xxsep dK`
        positions.push_back(positions.back() + (n >= 3 && ids[n - 3] == tok::sep && tok::is_duration(ids[n - 2]) ? ids[n - 2] - tok::dur_begin : 0));
        if (!c.recompute && fast_path()) last = fast_->step(id, positions.back(), cache);
        else if (!c.recompute)
            last = model->step(as_tensor(ids.size() - 1, ids.size()), cache, positions_of(ids.size() - 1, ids.size())).select(1, -1)[0];
    }
    return ids;
}

Multitrack TransformerGenerator::generate(const SampleRequest& request, const TransformerSampleConfig& c) {
    if (request.bars < 1) throw UsageError("--bars must be at least 1");
    if (!(request.tempo > 0 && request.tempo <= 1000)) throw UsageError("--tempo must be in (0, 1000] bpm");
    if (!c.from.empty()) {
        if (run_.vocab != TokenVocab::lpd5)
            throw UsageError("--from: this run's musicautobot vocabulary merges the instruments into one part; "
                             "a run trained with --vocab lpd5 can keep some");
        const Multitrack song = load_song_to_regenerate(c.from, tok::steps_per_beat);
        const std::size_t steps = song.steps();
        if (steps == 0) throw UsageError(c.from.string() + ": no notes to regenerate");
        const KeptTokens kept = kept_tokens(song, c.keep);
        Multitrack mt = tokens_to_multitrack(generate_ids({}, steps, request.seed, c, &kept), run_.vocab, 90);
        keep_song_tracks(mt, song, c.keep, request.tempo);
        return mt;
    }
    std::vector<int> primer;
    if (!request.prime.empty()) primer = encode_tokens(load_song_file(request.prime), run_.vocab);
    // --bars counts the primer; a primer at least that long still gets one more bar.
    const std::size_t bar = 4 * tok::steps_per_beat;
    const std::size_t primed = primer.empty() ? 0 : token_steps(primer).back();
    const std::size_t steps = std::max(std::size_t(request.bars) * bar, primed + bar);
    const auto ids = generate_ids(primer, steps, request.seed, c);
    Multitrack mt = tokens_to_multitrack(ids, run_.vocab, 90);
    mt.tempo.assign(mt.steps(), request.tempo);
    return mt;
}

}  // namespace quintet
