#pragma once
// Song-structure metrics per instrument (issue 13), on onsets quantised to a coarse grid:
// - dropout: an instrument that plays (has an onset) in bars 1-8 and is silent (no onset and no sounding
//   cell) in all of bars 33-64. Judged only on songs that reach into bar 64; shorter songs are not judged.
// - bar repetition: the share of bars with an onset whose onset set {(pitch, grid position in the bar)}
//   equals that of one of the previous 4 bars, and of the previous bar alone.
// Bars are `beats_per_bar` beats from step 0 (the downbeat array and time signatures are not read, as in
// the MuseGAN metrics and the set metrics); an onset at step s lies in grid cell floor(s * g / resolution).
#include <cstddef>
#include <string>
#include <vector>

#include "eval/pianoroll_metrics.hpp"
#include "roll/multitrack.hpp"

namespace quintet::eval {

struct StructureOptions {
    int steps_per_beat = 2;   // onset grid: 8th notes
    int beats_per_bar = 4;
    int early_bars = 8;       // "plays": an onset in bars 1..early_bars
    int late_first_bar = 33;  // "dies": silent in bars late_first_bar..late_last_bar (1-based, inclusive)
    int late_last_bar = 64;   // a song judged for dropout must reach into this bar
};

inline constexpr int kRepeatWindow = 4;  // bar_repeat_4 looks this many bars back

struct TrackStructure {
    bool plays_early = false;  // an onset in bars 1..early_bars
    bool silent_late = false;  // no onset and no sounding cell in the late bars (false when the song is too short)
    std::size_t onset_bars = 0;        // bars with at least one onset
    std::size_t repeats_window = 0;    // ... whose onset set equals one of the previous kRepeatWindow bars
    std::size_t repeats_previous = 0;  // ... whose onset set equals the previous bar's
};

struct StructureResult {
    std::size_t bars = 0;        // ceil(steps / bar length)
    bool judged_for_dropout = false;  // bars >= late_last_bar
    std::vector<TrackStructure> tracks;  // one per track, in file order
};

// Any resolution; UsageError when the resolution or options are not positive or the windows are empty.
StructureResult structure_metrics(const Multitrack& mt, const StructureOptions& options = {});

// Per-file rows, scope = the lower-case track name: `dropout` (1 or 0; NaN when the song is not judged or
// the track does not play in the early bars), `bar_repeat_4` and `bar_repeat_1` (shares; NaN with no onset).
std::vector<ScopedValue> structure_rows(const Multitrack& mt, const StructureResult& r);

inline constexpr const char* kDropoutMetric = "dropout";
inline constexpr const char* kRepeatWindowMetric = "bar_repeat_4";
inline constexpr const char* kRepeatPreviousMetric = "bar_repeat_1";

}  // namespace quintet::eval
