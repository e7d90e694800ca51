#include "systems/vae_nn/song_prior.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace quintet {

namespace {

// The same cells sound (velocities aside: a repeated bar played louder is still a repeat).
bool same_notes(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k)
        if ((a[k] > 0) != (b[k] > 0)) return false;
    return true;
}

bool sounds(const std::uint8_t* cells, std::size_t n) {
    return std::any_of(cells, cells + n, [](std::uint8_t v) { return v > 0; });
}

}  // namespace

SongPrior measure_song_prior(const WindowSet& train) {
    SongPrior prior;
    const int tracks = int(train.spec.tracks.size());
    const std::size_t steps = std::size_t(train.spec.steps), pitches = std::size_t(train.spec.pitches);
    const std::size_t block = steps * pitches;
    auto cells = [&](std::int64_t w, int i) { return train.window(w) + std::size_t(i) * block; };
    for (int i = 0; i < tracks && i < 5; ++i) {
        // Polyphony histogram over sounding steps.
        std::vector<std::int64_t> at(pitches + 1, 0);
        std::int64_t sounding = 0;
        for (std::int64_t w = 0; w < train.size(); ++w) {
            const std::uint8_t* b = cells(w, i);
            for (std::size_t s = 0; s < steps; ++s) {
                const auto n = std::size_t(std::count_if(b + s * pitches, b + (s + 1) * pitches, [](std::uint8_t v) { return v > 0; }));
                if (n > 0) {
                    ++at[n];
                    ++sounding;
                }
            }
        }
        prior.plays[std::size_t(i)] = sounding > 0;
        if (sounding > 0) {
            const auto want = std::int64_t(std::ceil(0.99 * double(sounding)));
            std::int64_t seen = 0;
            for (std::size_t n = 1; n <= pitches; ++n) {
                seen += at[n];
                if (seen >= want) {
                    prior.polyphony[std::size_t(i)] = int(n);
                    break;
                }
            }
        }
        // Bars of each song in order (a song's windows are consecutive in the set), and the nearest equal one of
        // the 4 before each non-empty bar.
        constexpr std::size_t kBarSteps = 8, kLags = 4;
        const std::size_t bar_cells = kBarSteps * pitches, bars_per_window = steps / kBarSteps;
        std::array<std::int64_t, kLags> equal_at{}, tried_at{};
        std::vector<const std::uint8_t*> bars;  // the current song's bars so far
        for (std::int64_t w = 0; w < train.size(); ++w) {
            if (w == 0 || train.song[std::size_t(w)] != train.song[std::size_t(w - 1)] ||
                train.index[std::size_t(w)] != train.index[std::size_t(w - 1)] + 1)
                bars.clear();
            for (std::size_t b = 0; b < bars_per_window; ++b) {
                const std::uint8_t* bar = cells(w, i) + b * bar_cells;
                if (sounds(bar, bar_cells) && bars.size() >= kLags) {
                    // As generation asks: lag 1 first, then 2, ..., only of bars that sound.
                    for (std::size_t lag = 1; lag <= kLags; ++lag) {
                        const std::uint8_t* back = bars[bars.size() - lag];
                        if (!sounds(back, bar_cells)) continue;
                        ++tried_at[lag - 1];
                        if (same_notes(bar, back, bar_cells)) {
                            ++equal_at[lag - 1];
                            break;
                        }
                    }
                }
                bars.push_back(bar);
            }
        }
        for (std::size_t lag = 0; lag < kLags; ++lag)
            prior.repeat[std::size_t(i)][lag] = tried_at[lag] > 0 ? double(equal_at[lag]) / double(tried_at[lag]) : 0.0;
    }
    return prior;
}

}  // namespace quintet
