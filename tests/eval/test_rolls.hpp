#pragma once
// Small hand-made rolls for the metric tests.
#include <cstddef>
#include <string>

#include "roll/multitrack.hpp"
#include "roll/operations.hpp"

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

}  // namespace quintet::test
