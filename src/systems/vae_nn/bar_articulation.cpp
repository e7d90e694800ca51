#include "systems/vae_nn/bar_articulation.hpp"

#include "roll/operations.hpp"
#include "systems/vae_nn/model.hpp"

namespace quintet {

void restrike_copied_bars(Multitrack& song, const std::vector<std::array<std::int8_t, 5>>& copied_from) {
    const std::size_t bar_steps = std::size_t(song.resolution) * 4;  // 4/4 bars
    for (int i = 0; i < kVaeInstruments; ++i) {
        const auto family = std::size_t(kVaeInstrumentFamily[std::size_t(i)]);
        if (family >= song.tracks.size()) continue;
        Track& t = song.tracks[family];
        if (t.is_drum) continue;
        for (std::size_t bar = 0; bar < copied_from.size(); ++bar) {
            const std::size_t lag = std::size_t(copied_from[bar][std::size_t(i)]);
            if (lag == 0 || lag > bar) continue;
            const std::size_t start = bar * bar_steps, source = (bar - lag) * bar_steps;
            if (start >= t.steps()) break;
            for (int p = 0; p < kPitches; ++p) {
                const bool onset_at_source = t.at(source, p) > 0 && (source == 0 || t.at(source - 1, p) == 0);
                if (onset_at_source) restrike(t, start, p);
            }
        }
    }
}

}  // namespace quintet
