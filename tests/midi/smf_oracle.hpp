#pragma once
// Notes of a MIDI file as read by libsmf (Debian libsmf-dev), an independent SMF parser used as a
// test oracle. libsmf only decodes events; the note pairing here is written separately from
// src/io/midi/note_pairing.cpp and follows the rule docs/midi.md states: per (track, channel,
// pitch), a note-off ends the OLDEST open note (FIFO), note-on velocity 0 is a note-off, notes still
// open when the track ends are closed at the track's last event.
#include <optional>
#include <string>
#include <vector>

#include "io/midi/midi.hpp"

namespace quintet::test {

struct SmfOracleResult {
    int ticks_per_beat = 0;
    int tracks = 0;
    std::vector<MidiNote> notes;  // sorted by (on_tick, track, channel, pitch), ties in off order
};

// nullopt when libsmf refuses the file.
std::optional<SmfOracleResult> smf_oracle_notes(const std::string& bytes);

}  // namespace quintet::test
