#include "represent/note_tokens.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "roll/notes.hpp"
#include "roll/operations.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {

namespace {

constexpr const char* kPitchClassNames[12] = {"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"};
constexpr int kPitchClassOctave4 = 60;  // music21 puts an octave-less pitch class in octave 4

bool is_special(std::string_view token) { return token == kUnknownToken || token == kRestToken || token == kHoldToken; }

std::vector<std::string_view> split_dots(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = text.find('.', start);
        parts.push_back(text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (dot == std::string_view::npos) return parts;
        start = dot + 1;
    }
}

// "0".."11"; -1 otherwise.
int parse_pitch_class(std::string_view text) {
    int v = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty() || v < 0 || v > 11) return -1;
    return v;
}

// Onset sets of a track: step -> pitches starting there (ascending).
std::map<std::size_t, std::vector<int>> onset_sets(const std::vector<Note>& notes) {
    std::map<std::size_t, std::vector<int>> sets;
    for (const Note& n : notes) sets[n.start].push_back(n.pitch);  // notes come sorted by (start, pitch)
    return sets;
}

// A track on another grid, note by note: onset and end are rounded to the nearest new step, and a note keeps at
// least one step. (set_resolution moves cells as pypianoroll does, which leaves gaps inside notes when the
// grid gets finer.)
Track resample_notes(const Track& track, int from, int to) {
    Track out = track;
    std::size_t steps = (track.steps() * std::size_t(to) + std::size_t(from) - 1) / std::size_t(from);
    auto rescale = [&](std::size_t t) { return std::size_t(std::llround(double(t) * to / from)); };
    std::vector<Note> notes = track_notes(track);
    for (const Note& n : notes) steps = std::max(steps, rescale(n.start) + 1);
    out.roll.assign(steps * kPitches, 0);
    for (const Note& n : notes) {
        const std::size_t start = rescale(n.start), end = std::max(start + 1, rescale(n.start + n.length));
        for (std::size_t t = start; t < end; ++t) out.at(t, n.pitch) = std::uint8_t(n.velocity);
    }
    return out;
}

}  // namespace

void NoteTokenSpec::validate() const {
    if (resolution < 1 || resolution > 24)
        throw UsageError("--resolution must be between 1 and 24 steps per beat, got " + std::to_string(resolution));
}

TokenScheme parse_token_scheme(const std::string& text) {
    if (text == "steps") return TokenScheme::Steps;
    if (text == "events") return TokenScheme::Events;
    throw UsageError("--tokens '" + text + "': expected steps or events");
}

ChordTokens parse_chord_tokens(const std::string& text) {
    if (text == "pitch") return ChordTokens::Pitches;
    if (text == "pitch-class") return ChordTokens::PitchClasses;
    throw UsageError("--chord-tokens '" + text + "': expected pitch or pitch-class");
}

const char* token_scheme_name(TokenScheme s) { return s == TokenScheme::Steps ? "steps" : "events"; }
const char* chord_tokens_name(ChordTokens c) { return c == ChordTokens::Pitches ? "pitch" : "pitch-class"; }

std::string pitch_token(int pitch) {
    if (pitch < 0 || pitch >= kPitches) throw UsageError("pitch " + std::to_string(pitch) + " is outside 0..127");
    return std::string(kPitchClassNames[pitch % 12]) + std::to_string(pitch / 12 - 1);
}

int parse_pitch_token(std::string_view text) {
    for (int pc = 11; pc >= 0; --pc) {  // sharps first: "C#4" must not read as "C" + "#4"
        const std::string_view name = kPitchClassNames[pc];
        if (text.substr(0, name.size()) != name) continue;
        const std::string_view octave = text.substr(name.size());
        int o = 0;
        auto [end, ec] = std::from_chars(octave.data(), octave.data() + octave.size(), o);
        if (octave.empty() || ec != std::errc() || end != octave.data() + octave.size()) return -1;
        const int pitch = (o + 1) * 12 + pc;
        return pitch >= 0 && pitch < kPitches ? pitch : -1;
    }
    return -1;
}

std::string onset_token(const std::vector<int>& pitches, ChordTokens chords) {
    if (pitches.empty()) throw UsageError("onset_token: an onset set needs a pitch");
    if (pitches.size() == 1) return pitch_token(pitches.front());  // a single note keeps its octave in both modes
    std::string token;
    if (chords == ChordTokens::Pitches) {
        for (int p : pitches) {
            if (!token.empty()) token += '.';
            token += pitch_token(p);
        }
        return token;
    }
    std::set<int> classes;  // ascending: one spelling per set of pitch classes (music21's normalOrder is a rotation)
    for (int p : pitches) classes.insert(p % 12);
    for (int pc : classes) {
        if (!token.empty()) token += '.';
        token += std::to_string(pc);
    }
    return token;
}

std::vector<int> token_pitches(std::string_view token) {
    if (is_special(token)) return {};
    std::set<int> pitches;
    for (std::string_view part : split_dots(token)) {
        int p = parse_pitch_token(part);
        if (p < 0 && parse_pitch_class(part) >= 0) p = kPitchClassOctave4 + parse_pitch_class(part);
        if (p < 0) throw UsageError("'" + std::string(token) + "' is not a note token");
        pitches.insert(p);
    }
    return {pitches.begin(), pitches.end()};
}

std::vector<std::string> encode_track(const Track& track, const NoteTokenSpec& spec) {
    spec.validate();
    const std::vector<Note> notes = track_notes(track);
    const auto sets = onset_sets(notes);
    std::vector<std::string> tokens;
    if (spec.scheme == TokenScheme::Events) {
        for (const auto& [step, pitches] : sets) tokens.push_back(onset_token(pitches, spec.chords));
        return tokens;
    }
    std::size_t end = 0;
    for (const Note& n : notes) end = std::max(end, n.start + n.length);
    // Per step, the step where the current (last) onset set's longest note ends.
    std::size_t current_end = 0;
    std::vector<std::size_t> ends_at(end, 0);
    for (const Note& n : notes) ends_at[n.start] = std::max(ends_at[n.start], n.start + n.length);
    tokens.reserve(end);
    for (std::size_t t = 0; t < end; ++t) {
        if (auto it = sets.find(t); it != sets.end()) {
            tokens.push_back(onset_token(it->second, spec.chords));
            current_end = ends_at[t];
        } else {
            tokens.push_back(t < current_end ? kHoldToken : kRestToken);
        }
    }
    return tokens;
}

Track decode_tokens(const std::vector<std::string>& tokens, const NoteTokenSpec& spec) {
    spec.validate();
    Track track;
    const std::size_t width = std::size_t(spec.steps_per_token());
    track.resize_steps(tokens.size() * width);
    std::vector<std::vector<int>> pitches(tokens.size());
    for (std::size_t i = 0; i < tokens.size(); ++i) pitches[i] = token_pitches(tokens[i]);
    auto contains = [](const std::vector<int>& v, int p) { return std::binary_search(v.begin(), v.end(), p); };

    if (spec.scheme == TokenScheme::Events) {
        for (std::size_t i = 0; i < tokens.size(); ++i)
            for (int p : pitches[i]) {
                const bool repeated = i + 1 < tokens.size() && contains(pitches[i + 1], p);
                for (std::size_t s = 0; s < (repeated ? width - 1 : width); ++s) track.at(i * width + s, p) = kTokenVelocity;
            }
        return track;
    }
    std::vector<int> current;  // the onset set that <hold> extends
    for (std::size_t t = 0; t < tokens.size(); ++t) {
        if (!pitches[t].empty()) {
            // A held pitch struck again ends one step early, so the roll keeps two notes (a roll cannot mark
            // a re-strike of a sounding pitch).
            if (t > 0 && tokens[t - 1] == kHoldToken)
                for (int p : current)
                    if (contains(pitches[t], p)) track.at(t - 1, p) = 0;
            current = pitches[t];
            for (int p : current) track.at(t, p) = kTokenVelocity;
        } else if (tokens[t] == kHoldToken) {
            for (int p : current) track.at(t, p) = kTokenVelocity;
        } else {
            current.clear();  // <rest>, <unk>
        }
    }
    return track;
}

Track song_track(const Multitrack& song, int family, int resolution, std::size_t* first_step) {
    if (family < 0 || family >= kFamilies) throw UsageError("song_track: " + std::to_string(family) + " is not an LPD-5 family");
    if (resolution < 1) throw UsageError("song_track: resolution must be positive");
    Multitrack lpd = merge_lpd5(song);
    Track& full = lpd.tracks[std::size_t(family)];
    if (lpd.resolution != resolution) full = resample_notes(full, lpd.resolution, resolution);
    const std::vector<Note> notes = track_notes(full);
    Track out;
    out.name = full.name;
    out.program = full.program;
    out.is_drum = full.is_drum;
    if (first_step) *first_step = 0;
    if (notes.empty()) return out;
    const std::size_t bar = std::size_t(4 * resolution);
    const std::size_t first = notes.front().start / bar * bar;
    std::size_t end = 0;
    for (const Note& n : notes) end = std::max(end, n.start + n.length);
    out.roll.assign(full.roll.begin() + std::ptrdiff_t(first * kPitches), full.roll.begin() + std::ptrdiff_t(end * kPitches));
    if (first_step) *first_step = first;
    return out;
}

std::vector<std::string> song_tokens(const Multitrack& song, int family, const NoteTokenSpec& spec) {
    return encode_track(song_track(song, family, spec.resolution), spec);
}

// ---- vocabulary ----

void NoteVocabulary::add(std::string token, std::int64_t count) {
    ids_.emplace(token, std::int64_t(tokens_.size()));
    tokens_.push_back(std::move(token));
    counts_.push_back(count);
}

NoteVocabulary NoteVocabulary::build(const std::vector<std::vector<std::string>>& sequences, int min_count) {
    if (min_count < 1) throw UsageError("--min-count must be at least 1, got " + std::to_string(min_count));
    std::map<std::string, std::int64_t> counts;
    for (const auto& s : sequences)
        for (const auto& t : s) ++counts[t];
    std::int64_t unknown = counts.count(kUnknownToken) ? counts.at(kUnknownToken) : 0;
    counts.erase(kUnknownToken);
    NoteVocabulary v;
    v.add(kUnknownToken, 0);
    for (const auto& [token, n] : counts) {
        if (n >= min_count)
            v.add(token, n);
        else
            unknown += n;
    }
    v.counts_[0] = unknown;
    return v;
}

std::int64_t NoteVocabulary::id(std::string_view token) const {
    auto it = ids_.find(token);
    return it == ids_.end() ? 0 : it->second;
}

const std::string& NoteVocabulary::token(std::int64_t id) const {
    if (id < 0 || id >= size())
        throw UsageError("token id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(size()));
    return tokens_[std::size_t(id)];
}

std::vector<std::int64_t> NoteVocabulary::encode(const std::vector<std::string>& tokens) const {
    std::vector<std::int64_t> ids;
    ids.reserve(tokens.size());
    for (const auto& t : tokens) ids.push_back(id(t));
    return ids;
}

std::vector<std::string> NoteVocabulary::decode(const std::vector<std::int64_t>& ids) const {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (auto i : ids) tokens.push_back(token(i));
    return tokens;
}

std::string NoteVocabulary::text() const {
    std::string out;
    for (std::size_t i = 0; i < tokens_.size(); ++i) out += tokens_[i] + "\t" + std::to_string(counts_[i]) + "\n";
    return out;
}

NoteVocabulary NoteVocabulary::parse(std::string_view text, const std::string& file) {
    NoteVocabulary v;
    std::size_t offset = 0, line_number = 0;
    while (offset < text.size()) {
        const std::size_t eol = text.find('\n', offset);
        const std::string_view line = text.substr(offset, eol == std::string_view::npos ? std::string_view::npos : eol - offset);
        ++line_number;
        const std::string where = "line " + std::to_string(line_number);
        const std::size_t tab = line.find('\t');
        if (tab == std::string_view::npos) throw FormatError(file, where + ": expected 'token<TAB>count'");
        const std::string token(line.substr(0, tab));
        const std::string_view count_text = line.substr(tab + 1);
        std::int64_t count = -1;
        auto [end, ec] = std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
        if (ec != std::errc() || end != count_text.data() + count_text.size() || count < 0)
            throw FormatError(file, where + ": the count must be a non-negative integer");
        if (line_number == 1 && token != kUnknownToken) throw FormatError(file, where + ": the first token must be <unk>");
        if (v.ids_.count(token)) throw FormatError(file, where + ": '" + token + "' appears twice");
        try {
            token_pitches(token);
        } catch (const UsageError&) {
            throw FormatError(file, where + ": '" + token + "' is not a note token");
        }
        v.add(token, count);
        if (eol == std::string_view::npos) break;
        offset = eol + 1;
    }
    if (v.tokens_.empty()) throw FormatError(file, "empty vocabulary");
    return v;
}

void NoteVocabulary::save(const std::filesystem::path& file) const { write_file_atomically(file, text()); }

NoteVocabulary NoteVocabulary::load(const std::filesystem::path& file) { return parse(read_file(file), file.string()); }

}  // namespace quintet
