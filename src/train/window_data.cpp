#include "train/window_data.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>

#include "models/conv_vae.hpp"
#include "models/vae_nn_model.hpp"
#include "roll/operations.hpp"

namespace quintet {

namespace {

// Copies the windows of a steps x 128 roll per LPD family (pointer per family) into out[n, 5, 32, 128].
torch::Tensor cut(const std::array<const std::uint8_t*, kFamilies>& family_rolls,
                  const std::array<std::size_t, kFamilies>& family_steps, std::size_t steps) {
    const std::int64_t n = static_cast<std::int64_t>(steps / kWindowSteps);
    auto out = torch::zeros({n, kVaeInstruments, kWindowSteps, kPitches}, torch::kUInt8);
    auto* dst = out.data_ptr<std::uint8_t>();
    const std::size_t window_cells = std::size_t(kWindowSteps) * kPitches;
    for (std::int64_t w = 0; w < n; ++w) {
        for (int i = 0; i < kVaeInstruments; ++i) {
            int f = kVaeInstrumentFamily[i];
            std::size_t first = std::size_t(w) * kWindowSteps;
            std::uint8_t* d = dst + (std::size_t(w) * kVaeInstruments + i) * window_cells;
            if (!family_rolls[f] || first >= family_steps[f]) continue;  // shorter track: zero-padded
            std::size_t rows = std::min<std::size_t>(kWindowSteps, family_steps[f] - first);
            std::memcpy(d, family_rolls[f] + first * kPitches, rows * kPitches);
        }
    }
    return out;
}

// As the original (pypianoroll set_resolution + pad_to_same): the song lasts until the last active step
// of any track; trailing silence (e.g. from a longer tempo array) makes no window.
Multitrack to_vae_grid(const Multitrack& mt) {
    Multitrack lpd = merge_lpd5(mt);
    if (lpd.resolution != kVaeResolution) set_resolution(lpd, kVaeResolution);
    std::size_t length = 0;
    for (const auto& t : lpd.tracks)
        for (std::size_t step = t.steps(); step > length; --step)
            if (std::any_of(t.roll.begin() + (step - 1) * kPitches, t.roll.begin() + step * kPitches,
                            [](std::uint8_t v) { return v != 0; })) {
                length = step;
                break;
            }
    for (auto& t : lpd.tracks) t.resize_steps(length);
    return lpd;
}

torch::Tensor lpd5_windows(const Multitrack& lpd) {
    std::array<const std::uint8_t*, kFamilies> rolls{};
    std::array<std::size_t, kFamilies> steps{};
    std::size_t longest = 0;
    for (int f = 0; f < kFamilies && f < static_cast<int>(lpd.tracks.size()); ++f) {
        rolls[f] = lpd.tracks[f].roll.data();
        steps[f] = lpd.tracks[f].steps();
        longest = std::max(longest, steps[f]);
    }
    return cut(rolls, steps, longest);
}

void append(WindowData& data, std::vector<torch::Tensor>& parts, const torch::Tensor& windows, std::int64_t song) {
    if (windows.size(0) == 0) return;
    for (std::int64_t w = 0; w < windows.size(0); ++w) {
        data.song.push_back(song);
        data.index.push_back(w);
    }
    parts.push_back(windows);
    ++data.songs;
}

void finish(WindowData& data, std::vector<torch::Tensor>& parts) {
    data.rolls = parts.empty() ? torch::zeros({0, kVaeInstruments, kWindowSteps, kPitches}, torch::kUInt8)
                               : torch::cat(parts, 0);
}

}  // namespace

torch::Tensor multitrack_windows(const Multitrack& mt) { return lpd5_windows(to_vae_grid(mt)); }

WindowData store_windows(const CorpusStore& store, Split split, std::int64_t max_windows, std::uint64_t seed) {
    auto ids = store.songs_in(split);
    if (max_windows > 0) {
        std::mt19937_64 rng(seed);
        std::shuffle(ids.begin(), ids.end(), rng);
    }
    WindowData data;
    std::vector<torch::Tensor> parts;
    std::int64_t total = 0;
    for (std::size_t id : ids) {
        torch::Tensor windows;
        if (store.resolution() == kVaeResolution) {
            // Straight from the memory map: no copy of the whole song.
            std::array<const std::uint8_t*, kFamilies> rolls{};
            std::array<std::size_t, kFamilies> steps{};
            for (int f = 0; f < kFamilies; ++f) {
                rolls[f] = store.roll(id, f);
                steps[f] = store.song(id).steps;
            }
            windows = cut(rolls, steps, store.song(id).steps);
        } else {
            windows = multitrack_windows(store.load(id));
        }
        if (max_windows > 0 && total + windows.size(0) > max_windows) {
            if (total > 0) continue;  // try smaller songs; whole songs only
            windows = windows.narrow(0, 0, max_windows);
        }
        total += windows.size(0);
        append(data, parts, windows, static_cast<std::int64_t>(id));
    }
    finish(data, parts);
    return data;
}

WindowData multitrack_list_windows(const std::vector<Multitrack>& songs) {
    WindowData data;
    std::vector<torch::Tensor> parts;
    for (std::size_t s = 0; s < songs.size(); ++s) append(data, parts, multitrack_windows(songs[s]), std::int64_t(s));
    finish(data, parts);
    return data;
}

std::vector<std::pair<std::int64_t, std::int64_t>> consecutive_pairs(const WindowData& data) {
    std::vector<std::pair<std::int64_t, std::int64_t>> pairs;
    for (std::size_t w = 0; w + 1 < data.song.size(); ++w)
        if (data.song[w] == data.song[w + 1] && data.index[w] + 1 == data.index[w + 1])
            pairs.emplace_back(std::int64_t(w), std::int64_t(w + 1));
    return pairs;
}

torch::Tensor to_unit_float(const torch::Tensor& rolls, const torch::Device& device) {
    return rolls.to(device).to(torch::kFloat).div_(127.0);
}

std::vector<std::int64_t> non_empty_counts(const WindowData& data) {
    std::vector<std::int64_t> counts(kVaeInstruments, 0);
    if (data.size() == 0) return counts;
    auto any = data.rolls.flatten(2).gt(0).any(2);  // [N, 5]
    auto per = any.sum(0);
    for (int i = 0; i < kVaeInstruments; ++i) counts[i] = per[i].item<std::int64_t>();
    return counts;
}

}  // namespace quintet
