#pragma once
// Standard MIDI File codec (type 0 and 1; type 2 is refused with a clear error).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "roll/multitrack.hpp"

namespace quintet {

struct MidiNote {
    int track = 0;      // index of the MTrk chunk it came from
    int channel = 0;    // 0..15 (9 = GM drums)
    int pitch = 0;
    int velocity = 0;   // note-on velocity 1..127
    std::int64_t on_tick = 0;
    std::int64_t off_tick = 0;
    int program = 0;    // program in force on the channel at the note-on
};
struct MidiTempo { std::int64_t tick = 0; std::uint32_t usec_per_beat = 500000; };
struct MidiTimeSignature { std::int64_t tick = 0; int numerator = 4; int denominator = 4; };
struct MidiKeySignature { std::int64_t tick = 0; int sharps = 0; bool minor = false; };
struct MidiTrackInfo { std::string name; };

struct MidiFile {
    int format = 1;
    int ticks_per_beat = 480;
    std::vector<MidiTrackInfo> tracks;
    std::vector<MidiNote> notes;  // sorted by (on_tick, track, channel, pitch)
    std::vector<MidiTempo> tempos;
    std::vector<MidiTimeSignature> time_signatures;
    std::vector<MidiKeySignature> key_signatures;
    std::int64_t end_tick = 0;    // last event tick over all tracks
};

// Throws FormatError (file name + byte offset) on malformed input, IoError if unreadable.
MidiFile parse_midi(std::string_view bytes, const std::string& name);
MidiFile read_midi(const std::filesystem::path& path);

}  // namespace quintet
