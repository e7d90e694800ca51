#pragma once
// 32-step windows of songs, as the VAE-NN trains on them (SEED-SPEC section 1.2): resolution 2 steps per
// beat, non-overlapping windows from step 0 (a trailing partial window is dropped), five instruments in
// VAE-NN order (Piano, Guitar, Bass, Strings, Drums). Velocities stay uint8 until a batch is made.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "corpus/store.hpp"
#include "roll/multitrack.hpp"

namespace quintet {

inline constexpr int kVaeResolution = 2;

struct WindowData {
    torch::Tensor rolls;              // [N, 5, 32, 128] uint8 velocities 0..127
    std::vector<std::int64_t> song;   // song id (store index or caller's index) of each window
    std::vector<std::int64_t> index;  // position of the window within its song
    std::size_t songs = 0;            // songs that contributed at least one window

    std::int64_t size() const { return rolls.defined() ? rolls.size(0) : 0; }
};

// Windows of one multitrack of any resolution and tracks: merged into LPD-5 families, resampled to
// 2 steps per beat, padded to the same length. Result [n, 5, 32, 128] uint8.
torch::Tensor multitrack_windows(const Multitrack& mt);

// Windows of the songs of one split. max_windows > 0 keeps whole songs, in an order shuffled by
// `seed`, until the cap would be exceeded (so consecutive pairs survive); 0 keeps everything.
WindowData store_windows(const CorpusStore& store, Split split, std::int64_t max_windows = 0,
                         std::uint64_t seed = 0);

// Windows of a list of multitracks (song = position in the list).
WindowData multitrack_list_windows(const std::vector<Multitrack>& songs);

// Index pairs (t, t + 1) of consecutive windows of the same song.
std::vector<std::pair<std::int64_t, std::int64_t>> consecutive_pairs(const WindowData& data);

// uint8 velocities -> float in [0, 1] on `device`.
torch::Tensor to_unit_float(const torch::Tensor& rolls, const torch::Device& device);

// Number of windows in which each instrument (VAE-NN order) has at least one note.
std::vector<std::int64_t> non_empty_counts(const WindowData& data);

}  // namespace quintet
