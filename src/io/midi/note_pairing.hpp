#pragma once
// Turns the note-on / note-off events of one MTrk chunk into notes, following a NotePairing rule.
// A note is appended to the output at its note-on (so each track's notes come out in onset order)
// and completed at its note-off.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "io/midi/midi.hpp"

namespace quintet::midi_detail {

class NotePairer {
public:
    NotePairer(NotePairing rule, std::vector<MidiNote>& out) : rule_(rule), out_(out), open_(16 * 128) {}

    void start_track(int track) { track_ = track; }
    void note_on(std::int64_t tick, int channel, int pitch, int velocity, int program);
    // program_now: the channel's program at the note-off (MidiNote::off_program).
    void note_off(std::int64_t tick, int channel, int pitch, int program_now);
    // Ends the track: open notes are closed at end_tick (dropped under NotePairing::pretty_midi).
    void finish_track(std::int64_t end_tick);
    // Removes the notes a rule dropped; call once after the last track.
    void remove_dropped();

private:
    static constexpr std::int64_t kOpen = -1, kDropped = -2;  // off_tick markers
    NotePairing rule_;
    std::vector<MidiNote>& out_;
    std::vector<std::vector<std::size_t>> open_;  // channel * 128 + pitch -> indices into out_, note-on order
    std::vector<int> used_;                       // keys that had open notes this track
    void close(std::size_t i, std::int64_t tick, int program_now);
    bool dropped_any_ = false;
    std::int64_t closes_ = 0;  // notes closed so far (MidiNote::off_order)
    int track_ = 0;
};

// Sorts notes by (on_tick, track, channel, pitch), stable, given that each track's notes are
// contiguous, in track order, and already in on_tick order (what NotePairer produces).
void sort_notes(std::vector<MidiNote>& notes);

}  // namespace quintet::midi_detail
