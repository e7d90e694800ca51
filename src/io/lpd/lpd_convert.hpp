#pragma once
// MIDI -> pianoroll the way the original LPD pipeline did (pretty_midi beat grid, pypianoroll 0.3.0
// parsing), and MIDI -> LPD-5 (that, then the LPD-5 family merge).
#include "io/midi/midi.hpp"
#include "roll/multitrack.hpp"

namespace quintet {

struct LpdConvertOptions {
    int resolution = 24;  // steps per beat
};

// One track per MIDI instrument (pretty_midi's grouping: track x channel x program), LPD "full" style.
Multitrack midi_to_multitrack(const MidiFile& midi, const LpdConvertOptions& options = {});
// The five LPD-5 tracks (Drums, Piano, Guitar, Bass, Strings), tempo and downbeat arrays as in LPD.
Multitrack midi_to_lpd5(const MidiFile& midi, const LpdConvertOptions& options = {});

}  // namespace quintet
