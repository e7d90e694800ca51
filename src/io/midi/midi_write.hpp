#pragma once
// Multitrack -> Standard MIDI File (type 1): a conductor track with tempo and time signature, then one
// track per instrument with its name and GM program; drums on channel 10.
#include <filesystem>
#include <string>

#include "roll/multitrack.hpp"

namespace quintet {

struct MidiWriteOptions {
    int ticks_per_beat = 480;
    double tempo_bpm = 0;       // 0: use the multitrack's first tempo (120 if it has none)
    int time_sig_numerator = 4;
    int time_sig_denominator = 4;
};

std::string encode_midi(const Multitrack& mt, const MidiWriteOptions& options = {});
void write_midi(const Multitrack& mt, const std::filesystem::path& path, const MidiWriteOptions& options = {});

}  // namespace quintet
