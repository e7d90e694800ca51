#pragma once
// Summary numbers of a training store: what `quintet corpus stats` prints.
#include <cstddef>
#include <string>

#include "corpus/store.hpp"

namespace quintet {

struct CorpusStats {
    int resolution = 0;
    std::size_t songs = 0, steps = 0, windows32 = 0;  // windows32: full non-overlapping 32-step windows
    double hours = 0;                                  // sum of steps / resolution * 60 / tempo
    std::size_t split_songs[3] = {0, 0, 0};
    double split_hours[3] = {0, 0, 0};
    // Per LPD-5 family (Drums, Piano, Guitar, Bass, Strings). A note is a run of non-zero cells of one
    // pitch (as notes.hpp and pypianoroll read a roll); an empty track is a song's family without notes.
    std::size_t notes[5] = {0, 0, 0, 0, 0};
    std::size_t empty_tracks[5] = {0, 0, 0, 0, 0};
};

CorpusStats compute_stats(const CorpusStore& store);
std::string format_stats(const CorpusStats& stats);

// Notes in one steps x 128 roll.
std::size_t count_notes(const std::uint8_t* roll, std::size_t steps);

}  // namespace quintet
