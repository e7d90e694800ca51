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
    // Of the consecutive window pairs (t, t+1) of one song where the instrument plays in t+1, the share where
    // its window t+1 is exactly window t: a 4-bar block repeated.
    std::array<double, 5> repeat{};
    // The 99th percentile of the pitches sounding at once, over the steps where the instrument sounds.
    std::array<int, 5> polyphony{128, 128, 128, 128, 128};
};

// The prior of a set of windows in the VAE-NN layout ([window][5 instruments][steps][pitches]).
SongPrior measure_song_prior(const WindowSet& train);

}  // namespace quintet
