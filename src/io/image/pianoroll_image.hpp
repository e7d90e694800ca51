#pragma once
// A piano-roll picture of a Multitrack: one lane per track (name on the left), instrument colours with
// velocity as brightness, bar lines, C labels on the pitch axis, bar numbers, a title.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "io/image/png_io.hpp"
#include "roll/multitrack.hpp"

namespace quintet {

struct PianoRollImageOptions {
    std::string title;             // empty: the multitrack's name (or "untitled")
    int pixels_per_pitch = 3;      // row height of one semitone
    int pixels_per_beat = 16;      // horizontal scale before the width cap
    int max_roll_width = 3000;     // longer songs bin several steps into one pixel column (max velocity wins)
    int pitch_margin = 2;          // semitones shown beyond a lane's lowest/highest note
    int min_lane_pitches = 13;     // at least this many semitones per lane (an octave and its C labels)
};

// Instrument colours (LPD-5 families; other tracks by GM program family).
enum class InstrumentColour { Drums, Piano, Guitar, Bass, Strings, Other };
InstrumentColour instrument_colour_of(const Track& track);
Rgb instrument_rgb(InstrumentColour c);
Rgb note_rgb(InstrumentColour c, int velocity);  // velocity 127 gives instrument_rgb exactly; lower is paler

// The geometry of the picture, so callers (and tests) know where a step and a pitch land.
struct PianoRollLayout {
    struct Lane {
        int top = 0, height = 0;     // pixel rows [top, top + height)
        int pitch_lo = 0, pitch_hi = 0;  // pitches shown, inclusive (hi at the top)
        bool empty = false;
    };
    int width = 0, height = 0;
    int roll_left = 0, roll_width = 0;  // pixel columns of the time axis
    int pixels_per_column = 1;          // >1 when zoomed in
    std::size_t steps_per_column = 1;   // >1 when binned
    int pixels_per_pitch = 3;
    std::vector<Lane> lanes;            // one per track, in track order
    std::vector<std::size_t> bar_steps; // steps where a bar starts (roll/bars.hpp)

    int x_of_step(std::size_t t) const {
        return roll_left + static_cast<int>(t / steps_per_column) * pixels_per_column;
    }
    int y_of_pitch(std::size_t lane, int pitch) const {  // top pixel row of the pitch's cell
        return lanes[lane].top + (lanes[lane].pitch_hi - pitch) * pixels_per_pitch;
    }
};

PianoRollLayout pianoroll_layout(const Multitrack& mt, const PianoRollImageOptions& options = {});
Image render_pianoroll(const Multitrack& mt, const PianoRollImageOptions& options = {});
void write_pianoroll_png(const Multitrack& mt, const std::filesystem::path& png,
                         const PianoRollImageOptions& options = {});

std::string pitch_name(int pitch);  // scientific pitch notation, C4 = 60: "C4", "F#2", "C-1"

}  // namespace quintet
