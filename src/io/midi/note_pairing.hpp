#pragma once
// Turns the note-on / note-off events of one MTrk chunk into notes, following a NotePairing rule.
#include <cstdint>
#include <vector>

#include "io/midi/midi.hpp"

namespace quintet::midi_detail {

class NotePairer {
public:
    NotePairer(NotePairing rule, std::vector<MidiNote>& out) : rule_(rule), out_(out), open_(16 * 128) {}

    void start_track(int track) { track_ = track; }
    void note_on(std::int64_t tick, int channel, int pitch, int velocity, int program);
    void note_off(std::int64_t tick, int channel, int pitch);
    // Ends the track: open notes are closed at end_tick (dropped under NotePairing::pretty_midi).
    void finish_track(std::int64_t end_tick);

private:
    struct Open {
        std::int64_t tick;
        int velocity;
        int program;
    };
    void emit(const Open& o, int channel, int pitch, std::int64_t off_tick);

    NotePairing rule_;
    std::vector<MidiNote>& out_;
    std::vector<std::vector<Open>> open_;  // index channel * 128 + pitch, in note-on order
    std::vector<int> used_;                // keys with open notes, to finish a track without a full scan
    int track_ = 0;
};

}  // namespace quintet::midi_detail
