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
    int off_program = 0;  // program in force at the note-off (pretty_midi files a note under this one);
                          // a note closed by the end of its track keeps its note-on program
    std::int64_t off_order = 0;  // rank of the note's closing in reading order (pretty_midi's note order)
};
struct MidiTempo { std::int64_t tick = 0; std::uint32_t usec_per_beat = 500000; int track = 0; };
struct MidiTimeSignature { std::int64_t tick = 0; int numerator = 4; int denominator = 4; int track = 0; };
struct MidiKeySignature { std::int64_t tick = 0; int sharps = 0; bool minor = false; int track = 0; };
// Where and when an event happened, for readers that need more than notes (the LPD converter: pretty_midi
// counts control changes, pitch bends and lyrics in a song's end time, which sets the number of beats).
struct MidiEventTime {
    int track = 0;
    std::int64_t tick = 0;
    int channel = 0;  // channel events: 0..15; meta events: the meta type (0x01 text, 0x05 lyric)
    int program = 0;  // channel events: program in force on the channel
};
struct MidiTrackInfo {
    std::string name;            // first track-name meta event (0x03) of the chunk, raw bytes
    std::int64_t end_tick = 0;   // tick of its end-of-track event (or of its last event)
};

struct MidiFile {
    int format = 1;
    int ticks_per_beat = 480;
    std::vector<MidiTrackInfo> tracks;
    std::vector<MidiNote> notes;  // sorted by (on_tick, track, channel, pitch)
    std::vector<MidiTempo> tempos;
    std::vector<MidiTimeSignature> time_signatures;
    std::vector<MidiKeySignature> key_signatures;
    std::vector<MidiEventTime> controls;  // control changes and pitch bends, in file order per track
    std::vector<MidiEventTime> texts;     // text and lyric meta events, in file order per track
    std::int64_t end_tick = 0;    // last event tick over all tracks
};

// How a note-off is matched with the note-ons still open on the same (track, channel, pitch).
enum class NotePairing {
    fifo,        // the oldest open note ends (default; MusPy's default, libsmf-based players, docs/midi.md)
    lifo,        // the newest open note ends
    pretty_midi, // pretty_midi 0.2.x: every open note that started before this tick ends; notes that
                 // started at this very tick stay open (or are dropped if nothing else ended); notes
                 // still open at the end of the track are dropped instead of closed
};

struct MidiParseOptions {
    NotePairing pairing = NotePairing::fifo;
};

// Throws FormatError (file name + byte offset) on malformed input, IoError if unreadable.
// Tracks are read independently (as pretty_midi and MusPy do): running status, programs and open
// notes never carry from one MTrk chunk to the next. Notes still open when a track ends are closed at
// the track's end tick (except in NotePairing::pretty_midi). Tempo, time and key signature lists hold
// only what the file says (empty when it says nothing; 120 bpm / 4/4 are the SMF defaults).
// SMPTE time division is refused with a FormatError (docs/midi.md).
MidiFile parse_midi(std::string_view bytes, const std::string& name, const MidiParseOptions& options = {});
MidiFile read_midi(const std::filesystem::path& path, const MidiParseOptions& options = {});

}  // namespace quintet
