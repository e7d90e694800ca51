#pragma once
// Multitrack <-> frames, the input of the frame RNN (SEED-SPEC 3): one frame per time step, the tracks'
// piano-roll rows side by side (5 x 128 = 640 cells for LPD-5; 1 x 88 for a piano-range model), 1 where a
// note sounds. No torch: a FrameSet is plain bytes that systems view as tensors.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "corpus/store.hpp"
#include "roll/multitrack.hpp"

namespace quintet {

struct FrameSpec {
    int resolution = 2;                         // steps per beat
    std::vector<int> tracks = {1, 2, 3, 4, 0};  // LPD-5 family (0 Drums .. 4 Strings) of each block, in model order
    int lowest_pitch = 0;                       // the pitch of a block's first cell
    int pitches = kPitches;                     // cells per track

    std::size_t frame_size() const { return tracks.size() * std::size_t(pitches); }
    void validate() const;  // UsageError when the numbers do not describe frames
};

// "piano,guitar,bass,strings,drums" <-> LPD-5 families; UsageError on an unknown or repeated name.
std::vector<int> parse_track_list(const std::string& text);
std::string track_list_text(const std::vector<int>& tracks);
// "21-108" (inclusive MIDI pitches) -> lowest pitch and count; UsageError otherwise.
void parse_pitch_range(const std::string& text, int& lowest, int& count);

// Frames of several sequences laid end to end: sequence i is steps [start[i], start[i] + length[i]).
struct FrameSet {
    FrameSpec spec;
    std::vector<std::uint8_t> cells;  // steps x frame_size, 0 or 1
    std::vector<std::size_t> start, length;
    std::vector<std::int64_t> song;   // store index (or list position) of each sequence

    std::size_t sequences() const { return start.size(); }
    std::size_t steps() const { return spec.frame_size() ? cells.size() / spec.frame_size() : 0; }
    const std::uint8_t* frame(std::size_t step) const { return cells.data() + step * spec.frame_size(); }
};

// A song's frames: merged into LPD-5 families and resampled to spec.resolution when it is not already there
// (resampling ends a track at its last note, as pypianoroll does); every step kept otherwise, trailing
// silence included. A cell is 1 where the velocity is non-zero.
std::vector<std::uint8_t> encode_frames(const Multitrack& song, const FrameSpec& spec);
// Frames (steps x frame_size) -> an LPD-5 Multitrack at spec.resolution, notes at `velocity`, constant tempo.
Multitrack decode_frames(const std::uint8_t* frames, std::size_t steps, const FrameSpec& spec, std::uint8_t velocity = 100,
                         double tempo = 120);

// Every song of one split, one sequence per song (songs with no steps are left out). A store at
// spec.resolution is read straight from its memory map with each song's stored length.
FrameSet store_frames(const CorpusStore& store, Split split, const FrameSpec& spec);

}  // namespace quintet
