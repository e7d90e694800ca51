#pragma once
// Piano roll <-> note list. A note is a maximal run of non-zero cells of one pitch in one track
// (as pypianoroll's to_pretty_midi and MusPy's from_pypianoroll read a roll).
#include <cstddef>
#include <vector>

#include "roll/multitrack.hpp"

namespace quintet {

struct Note {
    int track = 0;           // index into Multitrack::tracks
    int pitch = 0;
    std::size_t start = 0;   // time step of the onset
    std::size_t length = 1;  // in time steps, >= 1
    int velocity = 0;        // mean of the run's cells, rounded to nearest
};

// All notes of one track, sorted by (start, pitch).
std::vector<Note> track_notes(const Track& track, int track_index = 0);
// All notes of every track, sorted by (start, track, pitch).
std::vector<Note> multitrack_notes(const Multitrack& mt);

}  // namespace quintet
