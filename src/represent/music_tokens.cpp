#include "represent/music_tokens.hpp"

#include <algorithm>
#include <tuple>

#include "roll/notes.hpp"
#include "roll/operations.hpp"
#include "util/error.hpp"

namespace quintet {

namespace {
constexpr int kDrums = 0;
constexpr int kMergedFamily = 1;  // musicautobot's one part is written as a piano

// Pitch range a vocabulary keeps for a family.
bool in_range(int pitch, int family, TokenVocab v) {
    if (v == TokenVocab::lpd5 && family == kDrums) return pitch >= 0 && pitch < kPitches;
    return pitch >= tok::lowest_pitch && pitch <= tok::highest_pitch;
}

// Nearest grid step of a time at `resolution` steps per beat (half rounds up).
std::size_t to_grid(std::size_t t, int resolution) {
    const std::size_t num = t * tok::steps_per_beat * 2 + std::size_t(resolution);
    return num / (2 * std::size_t(resolution));
}
}  // namespace

TokenVocab parse_token_vocab(const std::string& name) {
    if (name == "musicautobot") return TokenVocab::musicautobot;
    if (name == "lpd5") return TokenVocab::lpd5;
    throw UsageError("unknown token vocabulary '" + name + "' (musicautobot or lpd5)");
}

const char* token_vocab_name(TokenVocab v) { return v == TokenVocab::lpd5 ? "lpd5" : "musicautobot"; }

int vocab_size(TokenVocab v) { return v == TokenVocab::lpd5 ? 320 : 312; }

namespace {
// "n60", "d4": appended in place (GCC 12 warns a false -Wrestrict on "literal" + std::string).
std::string prefixed(const char* prefix, int number) {
    std::string s(prefix);
    s += std::to_string(number);
    return s;
}
}  // namespace

std::string token_name(int id, TokenVocab v) {
    static const char* specials[] = {"xxbos",  "xxpad",  "xxeos",  "xxs2scls", "xxmask",
                                     "xxcseq", "xxmseq", "xxnscls", "xxsep"};
    if (id < 0 || id >= vocab_size(v)) return "?";
    if (id < tok::note_begin) return specials[id];
    if (id < tok::note_end) return prefixed("n", id - tok::note_begin);
    if (id < tok::dur_end) return prefixed("d", id - tok::dur_begin);
    if (id < 308) return prefixed("mt", id - tok::dur_end);
    if (v == TokenVocab::musicautobot) return prefixed("dummy", id - 308);
    if (id < 312) return prefixed("dummy", id - 308);
    if (id < tok::instrument_end) return prefixed("i", id - tok::instrument_begin);
    return prefixed("dummy", id - tok::instrument_end + 4);
}

std::vector<TokenNote> vocab_notes(const Multitrack& song, TokenVocab v) {
    if (song.resolution <= 0) throw UsageError("song has no resolution");
    std::vector<TokenNote> out;
    for (std::size_t t = 0; t < song.tracks.size(); ++t) {
        const Track& track = song.tracks[t];
        int family = kMergedFamily;
        if (v == TokenVocab::musicautobot) {
            if (track.is_drum) continue;
        } else {
            const Family f = family_of(track.program, track.is_drum);
            if (f == Family::Dropped) continue;
            family = int(f);
        }
        for (const Note& n : track_notes(track, int(t))) {
            if (!in_range(n.pitch, family, v)) continue;
            const std::size_t start = to_grid(n.start, song.resolution);
            const std::size_t end = to_grid(n.start + n.length, song.resolution);
            const int steps = end > start ? int(std::min<std::size_t>(end - start, tok::max_note_steps)) : 1;
            out.push_back({start, n.pitch, steps, family});
        }
    }
    // Token order, the longest first among notes sharing (start, family, pitch); then keep that one.
    std::sort(out.begin(), out.end(), [](const TokenNote& a, const TokenNote& b) {
        return std::make_tuple(a.start, a.family, -a.pitch, -a.duration) <
               std::make_tuple(b.start, b.family, -b.pitch, -b.duration);
    });
    out.erase(std::unique(out.begin(), out.end(),
                          [](const TokenNote& a, const TokenNote& b) {
                              return a.start == b.start && a.family == b.family && a.pitch == b.pitch;
                          }),
              out.end());
    return out;
}

std::vector<int> encode_notes(const std::vector<TokenNote>& notes, TokenVocab v) {
    std::vector<int> ids = {tok::bos, tok::pad};
    ids.reserve(2 + notes.size() * 3);
    std::size_t now = 0;
    int family = -1;
    for (std::size_t i = 0; i < notes.size(); ++i) {
        const TokenNote& n = notes[i];
        if (i > 0 && n.start < notes[i - 1].start) throw UsageError("encode_notes: notes are not in time order");
        if (n.start > now) {
            for (std::size_t wait = n.start - now; wait > 0;) {  // rests over 160 steps take several advances
                const std::size_t k = std::min<std::size_t>(wait, tok::max_sep_steps);
                ids.push_back(tok::sep);
                ids.push_back(tok::dur_begin + int(k));
                wait -= k;
            }
            now = n.start;
            family = -1;
        }
        if (v == TokenVocab::lpd5 && n.family != family) {
            ids.push_back(tok::instrument_begin + n.family);
            family = n.family;
        }
        ids.push_back(tok::note_begin + n.pitch);
        ids.push_back(tok::dur_begin + std::clamp(n.duration, 1, tok::max_note_steps));
    }
    return ids;
}

std::vector<int> encode_tokens(const Multitrack& song, TokenVocab v) { return encode_notes(vocab_notes(song, v), v); }

DecodedTokens decode_tokens(std::span<const int> ids, TokenVocab v) {
    DecodedTokens out;
    std::size_t now = 0;
    int family = v == TokenVocab::lpd5 ? -1 : kMergedFamily;
    const std::size_t n = ids.size();
    for (std::size_t i = 0; i < n; ++i) {
        const int id = ids[i];
        const bool has_duration = i + 1 < n && tok::is_duration(ids[i + 1]);
        if (tok::is_note(id) || id == tok::sep) {
            if (!has_duration) {
                ++out.skipped;
                continue;
            }
            const int d = ids[++i] - tok::dur_begin;
            if (id == tok::sep) {
                now += std::size_t(d);
                out.steps = std::max(out.steps, now);
            } else if (d == 0 || family < 0) {
                out.skipped += 2;
            } else {
                out.notes.push_back({now, id - tok::note_begin, d, family});
                out.steps = std::max(out.steps, now + std::size_t(d));
            }
        } else if (v == TokenVocab::lpd5 && id >= tok::instrument_begin && id < tok::instrument_end) {
            family = id - tok::instrument_begin;
        } else if (id == tok::bos || id == tok::pad || id == tok::eos) {
            // framing, not music
        } else {
            ++out.skipped;  // a lone duration, another task's special, a tempo, a dummy, an id out of range
        }
    }
    return out;
}

Multitrack tokens_to_multitrack(std::span<const int> ids, TokenVocab v, int velocity) {
    const DecodedTokens d = decode_tokens(ids, v);
    Multitrack mt;
    if (v == TokenVocab::lpd5) {
        mt = empty_lpd5(d.steps, tok::steps_per_beat);
    } else {
        mt.resolution = tok::steps_per_beat;
        Track piano;
        piano.name = "Piano";
        piano.resize_steps(d.steps);
        mt.tracks.push_back(std::move(piano));
    }
    const auto vel = std::uint8_t(std::clamp(velocity, 1, 127));
    for (const TokenNote& n : d.notes) {
        Track& track = mt.tracks[v == TokenVocab::lpd5 ? std::size_t(n.family) : 0];
        for (std::size_t t = n.start; t < n.start + std::size_t(n.duration); ++t) track.at(t, n.pitch) = vel;
    }
    return mt;
}

std::vector<int> transpose_tokens(std::span<const int> ids, int semitones, TokenVocab v) {
    std::vector<int> out;
    out.reserve(ids.size());
    int family = v == TokenVocab::lpd5 ? -1 : kMergedFamily;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const int id = ids[i];
        if (v == TokenVocab::lpd5 && id >= tok::instrument_begin && id < tok::instrument_end)
            family = id - tok::instrument_begin;
        if (!tok::is_note(id) || family == kDrums) {
            out.push_back(id);
            continue;
        }
        const int pitch = id - tok::note_begin + semitones;
        const bool keep = pitch >= tok::lowest_pitch && pitch <= tok::highest_pitch;
        const bool paired = i + 1 < ids.size() && tok::is_duration(ids[i + 1]);
        if (keep) {
            out.push_back(tok::note_begin + pitch);
            if (paired) out.push_back(ids[i + 1]);
        }
        if (paired) ++i;
    }
    return out;
}

std::vector<std::size_t> token_steps(std::span<const int> ids) {
    std::vector<std::size_t> out(ids.size());
    std::size_t now = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i > 0 && ids[i - 1] == tok::sep && tok::is_duration(ids[i])) now += std::size_t(ids[i] - tok::dur_begin);
        out[i] = now;
    }
    return out;
}

std::vector<std::int64_t> token_positions(std::span<const int> ids) {
    std::vector<std::int64_t> out(ids.size());
    std::int64_t now = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] == tok::bos) now = 0;
        else if (i >= 2 && ids[i - 2] == tok::sep && tok::is_duration(ids[i - 1])) now += ids[i - 1] - tok::dur_begin;
        out[i] = now;
    }
    return out;
}

}  // namespace quintet
