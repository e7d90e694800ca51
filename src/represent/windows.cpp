#include "represent/windows.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <random>
#include <string>

#include "roll/operations.hpp"
#include "util/error.hpp"

namespace quintet {

void WindowSpec::validate() const {
    if (resolution < 1 || steps < 1 || stride < 1) throw UsageError("windows: resolution, steps and stride must be positive");
    if (lowest_pitch < 0 || pitches < 1 || lowest_pitch + pitches > kPitches)
        throw UsageError("windows: pitch range " + std::to_string(lowest_pitch) + " + " + std::to_string(pitches) +
                         " is outside 0..127");
    if (tracks.empty()) throw UsageError("windows: no tracks");
    for (int f : tracks)
        if (f < 0 || f >= kFamilies) throw UsageError("windows: track " + std::to_string(f) + " is not an LPD-5 family");
}

namespace {

std::int64_t window_count(std::size_t song_steps, const WindowSpec& spec) {
    if (song_steps < std::size_t(spec.steps)) return 0;
    return std::int64_t((song_steps - std::size_t(spec.steps)) / std::size_t(spec.stride)) + 1;
}

// Appends the windows of one song given as a steps x 128 roll per LPD-5 family (null: silent).
void append_song(WindowSet& set, const std::array<const std::uint8_t*, kFamilies>& rolls, std::size_t steps,
                 std::int64_t song, std::int64_t max_count = -1) {
    const WindowSpec& spec = set.spec;
    std::int64_t n = window_count(steps, spec);
    if (max_count >= 0) n = std::min(n, max_count);
    if (n == 0) return;
    const std::size_t first_cell = set.cells.size();
    set.cells.resize(first_cell + std::size_t(n) * spec.window_cells(), 0);
    std::uint8_t* dst = set.cells.data() + first_cell;
    for (std::int64_t w = 0; w < n; ++w) {
        const std::size_t start = std::size_t(w) * std::size_t(spec.stride);
        for (std::size_t c = 0; c < spec.tracks.size(); ++c, dst += std::size_t(spec.steps) * spec.pitches) {
            const std::uint8_t* src = rolls[std::size_t(spec.tracks[c])];
            if (!src) continue;
            for (int t = 0; t < spec.steps; ++t)
                std::memcpy(dst + std::size_t(t) * spec.pitches, src + (start + std::size_t(t)) * kPitches + spec.lowest_pitch,
                            std::size_t(spec.pitches));
        }
        set.song.push_back(song);
        set.index.push_back(w);
    }
    ++set.songs;
}

// LPD-5 at the spec's resolution, every track cut to the last active step of any track.
Multitrack to_grid(const Multitrack& mt, int resolution) {
    Multitrack lpd = merge_lpd5(mt);
    if (lpd.resolution != resolution) set_resolution(lpd, resolution);
    std::size_t length = 0;
    for (const auto& t : lpd.tracks)
        for (std::size_t step = t.steps(); step > length; --step)
            if (std::any_of(t.roll.begin() + std::ptrdiff_t((step - 1) * kPitches), t.roll.begin() + std::ptrdiff_t(step * kPitches),
                            [](std::uint8_t v) { return v != 0; })) {
                length = step;
                break;
            }
    for (auto& t : lpd.tracks) t.resize_steps(length);
    return lpd;
}

void append_multitrack(WindowSet& set, const Multitrack& song, std::int64_t id, std::int64_t max_count = -1) {
    Multitrack lpd = to_grid(song, set.spec.resolution);
    std::array<const std::uint8_t*, kFamilies> rolls{};
    std::size_t steps = 0;
    for (int f = 0; f < kFamilies && f < int(lpd.tracks.size()); ++f) {
        rolls[std::size_t(f)] = lpd.tracks[std::size_t(f)].roll.data();
        steps = std::max(steps, lpd.tracks[std::size_t(f)].steps());
    }
    append_song(set, rolls, steps, id, max_count);
}

}  // namespace

WindowSet song_windows(const Multitrack& song, const WindowSpec& spec) {
    spec.validate();
    WindowSet set;
    set.spec = spec;
    append_multitrack(set, song, 0);
    return set;
}

WindowSet store_windows(const CorpusStore& store, Split split, const WindowSpec& spec, std::int64_t max_windows,
                        std::uint64_t seed) {
    spec.validate();
    auto ids = store.songs_in(split);
    if (max_windows > 0) {
        std::mt19937_64 rng(seed);
        std::shuffle(ids.begin(), ids.end(), rng);
    }
    WindowSet set;
    set.spec = spec;
    std::int64_t total = 0;
    for (std::size_t id : ids) {
        const bool mapped = store.resolution() == spec.resolution;
        std::int64_t n = 0;
        Multitrack song;
        if (mapped) {
            n = window_count(store.song(id).steps, spec);
        } else {
            song = store.load(id);
            n = window_count(to_grid(song, spec.resolution).tracks.front().steps(), spec);
        }
        std::int64_t keep = -1;
        if (max_windows > 0 && total + n > max_windows) {
            if (total > 0) continue;  // try smaller songs; whole songs only
            keep = max_windows;       // the first song alone is too long: its first windows
        }
        const std::int64_t before = set.size();
        if (mapped) {
            std::array<const std::uint8_t*, kFamilies> rolls{};
            for (int f = 0; f < kFamilies; ++f) rolls[std::size_t(f)] = store.roll(id, f);
            append_song(set, rolls, store.song(id).steps, std::int64_t(id), keep);
        } else {
            append_multitrack(set, song, std::int64_t(id), keep);
        }
        total += set.size() - before;
    }
    return set;
}

WindowSet song_list_windows(const std::vector<Multitrack>& songs, const WindowSpec& spec) {
    spec.validate();
    WindowSet set;
    set.spec = spec;
    for (std::size_t s = 0; s < songs.size(); ++s) append_multitrack(set, songs[s], std::int64_t(s));
    return set;
}

std::vector<std::pair<std::int64_t, std::int64_t>> consecutive_pairs(const WindowSet& set) {
    std::vector<std::pair<std::int64_t, std::int64_t>> pairs;
    for (std::size_t w = 0; w + 1 < set.song.size(); ++w)
        if (set.song[w] == set.song[w + 1] && set.index[w] + 1 == set.index[w + 1])
            pairs.emplace_back(std::int64_t(w), std::int64_t(w + 1));
    return pairs;
}

std::vector<std::int64_t> non_empty_counts(const WindowSet& set) {
    const std::size_t channels = set.spec.tracks.size();
    const std::size_t block = std::size_t(set.spec.steps) * std::size_t(set.spec.pitches);
    std::vector<std::int64_t> counts(channels, 0);
    for (std::int64_t w = 0; w < set.size(); ++w)
        for (std::size_t c = 0; c < channels; ++c) {
            const std::uint8_t* p = set.window(w) + c * block;
            if (std::any_of(p, p + block, [](std::uint8_t v) { return v != 0; })) ++counts[c];
        }
    return counts;
}

Multitrack windows_to_multitrack(const WindowSet& set, std::int64_t first, std::int64_t count) {
    if (first < 0 || count < 0 || first + count > set.size()) throw UsageError("windows_to_multitrack: range out of bounds");
    const WindowSpec& spec = set.spec;
    Multitrack mt = empty_lpd5(std::size_t(count) * std::size_t(spec.steps), spec.resolution);
    const std::size_t block = std::size_t(spec.steps) * std::size_t(spec.pitches);
    for (std::int64_t w = 0; w < count; ++w)
        for (std::size_t c = 0; c < spec.tracks.size(); ++c) {
            const std::uint8_t* src = set.window(first + w) + c * block;
            auto& roll = mt.tracks[std::size_t(spec.tracks[c])].roll;
            for (int t = 0; t < spec.steps; ++t)
                std::memcpy(roll.data() + (std::size_t(w) * spec.steps + std::size_t(t)) * kPitches + spec.lowest_pitch,
                            src + std::size_t(t) * spec.pitches, std::size_t(spec.pitches));
        }
    return mt;
}

}  // namespace quintet
