#pragma once
// Small hand-made rolls for the metric tests.
#include <cstddef>
#include <string>

#include "roll/multitrack.hpp"

namespace quintet::test {

inline Track make_track(const std::string& name, bool is_drum, std::size_t steps, int program = 0) {
    Track t;
    t.name = name;
    t.is_drum = is_drum;
    t.program = program;
    t.resize_steps(steps);
    return t;
}

// Sets [start, start + length) of `pitch` to velocity.
inline void put_note(Track& t, int pitch, std::size_t start, std::size_t length, std::uint8_t velocity = 100) {
    for (std::size_t s = start; s < start + length; ++s) t.at(s, pitch) = velocity;
}

// Five empty LPD-5 tracks (Drums, Piano, Guitar, Bass, Strings) of `steps` steps.
inline Multitrack make_lpd5(std::size_t steps, int resolution = 24) {
    Multitrack mt;
    mt.resolution = resolution;
    mt.tracks = {make_track("Drums", true, steps), make_track("Piano", false, steps, 0),
                 make_track("Guitar", false, steps, 24), make_track("Bass", false, steps, 32),
                 make_track("Strings", false, steps, 48)};
    return mt;
}

}  // namespace quintet::test
