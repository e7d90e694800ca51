#include "represent/frames.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "roll/operations.hpp"
#include "util/error.hpp"

namespace quintet {

void FrameSpec::validate() const {
    if (resolution < 1) throw UsageError("frames: the resolution must be at least 1 step per beat");
    if (lowest_pitch < 0 || pitches < 1 || lowest_pitch + pitches > kPitches)
        throw UsageError("frames: pitch range " + std::to_string(lowest_pitch) + " + " + std::to_string(pitches) +
                         " is outside 0..127");
    if (tracks.empty()) throw UsageError("frames: no tracks");
    for (std::size_t i = 0; i < tracks.size(); ++i) {
        if (tracks[i] < 0 || tracks[i] >= kFamilies)
            throw UsageError("frames: track " + std::to_string(tracks[i]) + " is not an LPD-5 family");
        if (std::find(tracks.begin(), tracks.begin() + std::ptrdiff_t(i), tracks[i]) != tracks.begin() + std::ptrdiff_t(i))
            throw UsageError(std::string("frames: track ") + family_name(Family(tracks[i])) + " is listed twice");
    }
}

namespace {
std::string lower(std::string s) {
    for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}
}  // namespace

std::vector<int> parse_track_list(const std::string& text) {
    std::vector<int> tracks;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t comma = std::min(text.find(',', pos), text.size());
        const std::string name = lower(text.substr(pos, comma - pos));
        int family = -1;
        for (int f = 0; f < kFamilies; ++f)
            if (name == lower(family_name(Family(f)))) family = f;
        if (family < 0)
            throw UsageError("--tracks '" + text + "': '" + name + "' is not one of drums, piano, guitar, bass, strings");
        if (std::find(tracks.begin(), tracks.end(), family) != tracks.end())
            throw UsageError("--tracks '" + text + "': " + name + " is listed twice");
        tracks.push_back(family);
        pos = comma + 1;
    }
    return tracks;
}

std::string track_list_text(const std::vector<int>& tracks) {
    std::string s;
    for (int f : tracks) {
        if (!s.empty()) s += ',';  // appended in place: GCC 12 warns a false -Wrestrict on "," + string
        s += lower(family_name(Family(f)));
    }
    return s;
}

void parse_pitch_range(const std::string& text, int& lowest, int& count) {
    const auto bad = [&] { return UsageError("--pitch-range '" + text + "': expected LOW-HIGH, MIDI pitches 0..127, LOW <= HIGH"); };
    const std::size_t dash = text.find('-');
    if (dash == std::string::npos || dash == 0 || dash + 1 == text.size()) throw bad();
    int lo = 0, hi = 0;
    for (auto [part, out] : {std::pair{text.substr(0, dash), &lo}, std::pair{text.substr(dash + 1), &hi}}) {
        if (part.size() > 3 || !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) throw bad();
        *out = std::stoi(part);
    }
    if (hi > 127 || lo > hi) throw bad();
    lowest = lo;
    count = hi - lo + 1;
}

namespace {

// Appends one song given as a steps x 128 velocity roll per LPD-5 family (null: silent).
void append_frames(std::vector<std::uint8_t>& cells, const FrameSpec& spec, const std::uint8_t* const* rolls,
                   std::size_t steps) {
    const std::size_t first = cells.size(), width = spec.frame_size();
    cells.resize(first + steps * width, 0);
    std::uint8_t* dst = cells.data() + first;
    for (std::size_t t = 0; t < steps; ++t, dst += width)
        for (std::size_t c = 0; c < spec.tracks.size(); ++c) {
            const std::uint8_t* src = rolls[spec.tracks[c]];
            if (!src) continue;
            src += t * kPitches + std::size_t(spec.lowest_pitch);
            for (int p = 0; p < spec.pitches; ++p) dst[c * std::size_t(spec.pitches) + std::size_t(p)] = src[p] != 0;
        }
}

// The song merged into LPD-5 families at the spec's resolution, all tracks as long as the longest.
Multitrack to_lpd5_grid(const Multitrack& song, int resolution) {
    Multitrack lpd = merge_lpd5(song);
    if (lpd.resolution != resolution) set_resolution(lpd, resolution);
    pad_to_same(lpd);
    return lpd;
}

void append_song(std::vector<std::uint8_t>& cells, const FrameSpec& spec, const Multitrack& song) {
    const Multitrack lpd = to_lpd5_grid(song, spec.resolution);
    const std::uint8_t* rolls[kFamilies];
    for (int f = 0; f < kFamilies; ++f) rolls[f] = lpd.tracks[std::size_t(f)].roll.data();
    append_frames(cells, spec, rolls, lpd.tracks.front().steps());
}

}  // namespace

std::vector<std::uint8_t> encode_frames(const Multitrack& song, const FrameSpec& spec) {
    spec.validate();
    std::vector<std::uint8_t> cells;
    append_song(cells, spec, song);
    return cells;
}

Multitrack decode_frames(const std::uint8_t* frames, std::size_t steps, const FrameSpec& spec, std::uint8_t velocity,
                         double tempo) {
    spec.validate();
    Multitrack mt = empty_lpd5(steps, spec.resolution);
    mt.tempo.assign(steps, tempo);
    const std::size_t width = spec.frame_size();
    for (std::size_t t = 0; t < steps; ++t)
        for (std::size_t c = 0; c < spec.tracks.size(); ++c) {
            const std::uint8_t* src = frames + t * width + c * std::size_t(spec.pitches);
            std::uint8_t* dst = mt.tracks[std::size_t(spec.tracks[c])].roll.data() + t * kPitches + std::size_t(spec.lowest_pitch);
            for (int p = 0; p < spec.pitches; ++p) dst[p] = src[p] ? velocity : 0;
        }
    return mt;
}

FrameSet store_frames(const CorpusStore& store, Split split, const FrameSpec& spec) {
    spec.validate();
    FrameSet set;
    set.spec = spec;
    for (std::size_t id : store.songs_in(split)) {
        const std::size_t before = set.cells.size();
        if (store.resolution() == spec.resolution) {
            const std::uint8_t* rolls[kFamilies];
            for (int f = 0; f < kFamilies; ++f) rolls[f] = store.roll(id, f);
            append_frames(set.cells, spec, rolls, store.song(id).steps);
        } else {
            append_song(set.cells, spec, store.load(id));
        }
        const std::size_t length = (set.cells.size() - before) / spec.frame_size();
        if (length == 0) continue;
        set.start.push_back(before / spec.frame_size());
        set.length.push_back(length);
        set.song.push_back(std::int64_t(id));
    }
    return set;
}

}  // namespace quintet
