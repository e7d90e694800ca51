#include "systems/vae_nn/song_prior.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace quintet {

SongPrior measure_song_prior(const WindowSet& train) {
    SongPrior prior;
    const int tracks = int(train.spec.tracks.size());
    const std::size_t steps = std::size_t(train.spec.steps), pitches = std::size_t(train.spec.pitches);
    const std::size_t block = steps * pitches;
    auto cells = [&](std::int64_t w, int i) { return train.window(w) + std::size_t(i) * block; };
    auto empty = [&](const std::uint8_t* b) { return std::all_of(b, b + block, [](std::uint8_t v) { return v == 0; }); };
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
        // Exact repeats of a block in the next window of the same song.
        std::int64_t playing = 0, repeated = 0;
        for (auto [t, next] : consecutive_pairs(train)) {
            const std::uint8_t* b = cells(next, i);
            if (empty(b)) continue;
            ++playing;
            repeated += std::memcmp(b, cells(t, i), block) == 0;
        }
        prior.repeat[std::size_t(i)] = playing > 0 ? double(repeated) / double(playing) : 0.0;
    }
    return prior;
}

}  // namespace quintet
