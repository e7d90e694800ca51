#pragma once
// The one currency between layers: a multitrack piano roll on a beat grid (pypianoroll semantics).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace quintet {

inline constexpr int kPitches = 128;

// One instrument: a T x 128 velocity roll (row = time step, column = MIDI pitch), values 0..127.
struct Track {
    std::string name;
    int program = 0;        // General MIDI program 0..127
    bool is_drum = false;
    std::vector<std::uint8_t> roll;  // row-major, steps() * kPitches

    std::size_t steps() const { return roll.size() / kPitches; }
    std::uint8_t at(std::size_t t, int pitch) const { return roll[t * kPitches + pitch]; }
    std::uint8_t& at(std::size_t t, int pitch) { return roll[t * kPitches + pitch]; }
    void resize_steps(std::size_t t) { roll.resize(t * kPitches, 0); }
    bool empty() const;          // no non-zero cell
    std::size_t nnz() const;     // number of non-zero cells
};

struct Multitrack {
    std::string name;
    int resolution = 24;                 // time steps per beat (quarter note)
    std::vector<double> tempo;           // bpm per time step (may be empty: 120 assumed)
    std::vector<std::uint8_t> downbeat;  // 1 at the first step of each bar (may be empty)
    std::vector<Track> tracks;

    std::size_t steps() const;  // longest of tracks, tempo and downbeat
};

}  // namespace quintet
