#pragma once
// What the training corpus says about each instrument, measured on the train windows when a VAE-NN is
// trained and kept in model.json: generation uses it so that songs keep the corpus's band, density and
// repetition (issue 13). No torch here.
#include <array>

#include "represent/windows.hpp"

namespace quintet {

struct SongPrior {
    // VAE-NN order (piano, guitar, bass, strings, drums).
    std::array<bool, 5> plays{true, true, true, true, true};  // has any note in the train split
    // Bars are 8 steps (a 4/4 bar at 2 steps per beat); real songs repeat bars and phrases. For a sounding bar
    // with 4 bars of the same song before it, asked lag by lag (1, then 2, ...; only lags whose bar sounds, up to
    // the first equal one): the chance that it equals the bar `lag` back, for lag 1..4. Generation asks the same
    // way (block_rules.hpp), so its songs repeat as often as the corpus's.
    std::array<std::array<double, 4>, 5> repeat{};
    // The 99th percentile of the pitches sounding at once, over the steps where the instrument sounds.
    std::array<int, 5> polyphony{128, 128, 128, 128, 128};
};

// The prior of a set of windows in the VAE-NN layout ([window][5 instruments][steps][pitches]).
SongPrior measure_song_prior(const WindowSet& train);

}  // namespace quintet
