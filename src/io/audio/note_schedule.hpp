#pragma once
// Turns a Multitrack into timed synthesizer events: step times from the tempo array, one MIDI channel per
// track (drums on channel 9, the GM percussion channel), note-on/off at sample frames. No FluidSynth here.
#include <cstdint>
#include <vector>

#include "roll/multitrack.hpp"

namespace quintet {

// seconds[t] = start time of step t, for t = 0..steps (the last entry is the end of the song). Step t lasts
// 60 / (tempo[t] * resolution) s; missing or non-positive tempo values hold the previous one (120 bpm at first).
std::vector<double> step_start_seconds(const Multitrack& mt);

struct ChannelAssignment {
    int channel = 0;   // 0-based MIDI channel; may exceed 15 (FluidSynth offers up to 256)
    int program = 0;   // GM program (for drums: the kit, bank 128)
    bool is_drum = false;
};

// Drum tracks share channel 9; each distinct program of the other tracks gets its own channel (tracks with
// the same program share it), skipping every channel c with c % 16 == 9: channel 135 at most.
std::vector<ChannelAssignment> assign_channels(const Multitrack& mt);
int channels_needed(const std::vector<ChannelAssignment>& plan);  // a multiple of 16

struct SynthEvent {
    std::int64_t frame = 0;  // sample frame at which the event takes effect
    bool note_on = false;
    int channel = 0;
    int key = 0;
    int velocity = 0;        // 1..127 for note-on
};

// Drum hits in LPD last one step (~20 ms at 24 steps per beat): they are held at least this long so the
// percussion sample is not cut off by the release.
inline constexpr double kMinDrumSeconds = 0.3;

// All note events of the song, sorted by frame with note-offs before note-ons at the same frame. A note
// is cut where the next note of the same key on the same channel starts.
std::vector<SynthEvent> schedule_notes(const Multitrack& mt, const std::vector<ChannelAssignment>& plan,
                                       int sample_rate);

}  // namespace quintet
