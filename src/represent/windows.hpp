#pragma once
// Multitrack <-> fixed-size windows, the input of the window models (SEED-SPEC 1.2; the CNNs'
// t/t+1 pairs). No torch: a WindowSet is plain bytes that nn/batches.hpp views as a tensor without a copy.
// A song is merged into LPD-5 families, resampled to spec.resolution, and cut into windows of spec.steps
// steps every spec.stride steps from step 0 (a trailing partial window is dropped).
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "corpus/store.hpp"
#include "roll/multitrack.hpp"

namespace quintet {

struct WindowSpec {
    int resolution = 2;                       // steps per beat
    int steps = 32;                           // steps per window
    int stride = 32;                          // steps between window starts (== steps: no overlap)
    std::vector<int> tracks = {0, 1, 2, 3, 4};  // LPD-5 family (0 Drums .. 4 Strings) of each channel, in model order
    int lowest_pitch = 0;                     // the pitch of column 0
    int pitches = kPitches;                   // columns per step

    std::size_t window_cells() const { return tracks.size() * std::size_t(steps) * std::size_t(pitches); }
    void validate() const;                    // UsageError when the numbers do not describe windows
};

// Windows [n, channels, steps, pitches] of velocities, with where each came from.
struct WindowSet {
    WindowSpec spec;
    std::vector<std::uint8_t> cells;
    std::vector<std::int64_t> song;   // song id (store index or list position) of each window
    std::vector<std::int64_t> index;  // window number within its song
    std::size_t songs = 0;            // songs that gave at least one window

    std::int64_t size() const { return std::int64_t(song.size()); }
    const std::uint8_t* window(std::int64_t w) const { return cells.data() + std::size_t(w) * spec.window_cells(); }
    std::uint8_t* window(std::int64_t w) { return cells.data() + std::size_t(w) * spec.window_cells(); }
};

// The windows of one song (any resolution and tracks). The song lasts until its last active step (as
// pypianoroll's pad_to_same after set_resolution): trailing silence makes no window.
WindowSet song_windows(const Multitrack& song, const WindowSpec& spec);

// The windows of the songs of one split. max_windows > 0 keeps whole songs, in an order shuffled by `seed`,
// until the cap would be exceeded (so consecutive windows stay together); 0 keeps everything. A store at
// spec.resolution is read straight from its memory map.
WindowSet store_windows(const CorpusStore& store, Split split, const WindowSpec& spec, std::int64_t max_windows = 0,
                        std::uint64_t seed = 0);

// The windows of a list of songs (song = position in the list).
WindowSet song_list_windows(const std::vector<Multitrack>& songs, const WindowSpec& spec);

// Index pairs (t, t + 1) of consecutive windows of the same song.
std::vector<std::pair<std::int64_t, std::int64_t>> consecutive_pairs(const WindowSet& set);

// Per channel, the number of windows where it has at least one note.
std::vector<std::int64_t> non_empty_counts(const WindowSet& set);

// Windows back into an LPD-5 Multitrack at spec.resolution, laid end to end (window w at step w * steps):
// the inverse of song_windows for non-overlapping windows of a song with five channels.
Multitrack windows_to_multitrack(const WindowSet& set, std::int64_t first, std::int64_t count);

}  // namespace quintet
