#pragma once
// Piano-roll operations with pypianoroll 1.x semantics.
#include <cstddef>
#include <vector>

#include "roll/multitrack.hpp"

namespace quintet {

// Resample to new_resolution: each non-zero step t moves to round(t*new/old) (round half to even, as numpy),
// a later step overwrites an earlier one landing on the same cell; tempo/downbeat follow. Tracks are then
// as long as their last active step + 1 (pypianoroll 1.x), so call pad_to_same afterwards where needed.
void set_resolution(Multitrack& mt, int new_resolution);
void pad_to_same(Multitrack& mt);            // zero-pad every track (empty ones too) to the longest
void pad_to(Multitrack& mt, std::size_t steps);
void trim(Multitrack& mt, std::size_t start, std::size_t end);  // keep steps [start, end)
void trim_trailing_silence(Multitrack& mt);  // drop steps after the last active one (all tracks)
void binarize(Multitrack& mt, int threshold = 0, std::uint8_t on_value = 100);  // > threshold -> on_value
void clip(Multitrack& mt, int lo = 0, int hi = 127);
// Drum cells as strokes: a drum does not sustain, so consecutive on-cells of a drum track are separate hits
// (a coarse roll such as the VAE-NN's 2 steps per beat marks "a hit in this 8th" in each cell). The song goes to
// twice the resolution; pitched tracks, tempo and downbeats keep their timing, and each drum cell sounds in its
// first half only, so the MIDI written from it has one note per cell instead of one held note per run.
void strike_drums(Multitrack& mt);
// The inverse of a finer grid: resolution goes down to `coarser`, a divisor of it, each coarse cell the loudest of
// the fine steps it covers (strike_drums' song folds back to the 2-steps-per-beat grid exactly, where
// set_resolution would lengthen every note by a step); tempo and downbeats keep each coarse cell's first step.
// UsageError when `coarser` does not divide the resolution.
void fold_resolution(Multitrack& mt, int coarser);
// A note of `pitch` starts at `step`: when the step before sounds too (a note held into this one), that step is
// silenced, so the held note ends a step early and a new one begins. Meant for rolls finer than the music's grid
// (after strike_drums a silenced step is a 16th of an 8th-note grid). Nothing changes where no note is held in.
void restrike(Track& t, std::size_t step, int pitch);
void transpose(Multitrack& mt, int semitones);  // drums untouched; notes pushed out of 0..127 are dropped
// Keep pitches [lo, hi) in place (others zeroed).
void crop_pitch_range(Multitrack& mt, int lo, int hi);
// Non-overlapping windows of `length` steps starting at 0; a trailing partial window is dropped.
std::vector<Multitrack> cut_windows(const Multitrack& mt, std::size_t length);

// LPD-5 families, in LPD-5 file order.
enum class Family { Drums = 0, Piano = 1, Guitar = 2, Bass = 3, Strings = 4, Dropped = -1 };
inline constexpr int kFamilies = 5;
const char* family_name(Family f);       // "Drums", "Piano", ...
int family_program(Family f);            // 0, 0, 24, 32, 48
Family family_of(int program, bool is_drum);
// The five LPD-5 tracks in LPD-5 order, named by family_name, programmed by family_program, Drums
// flagged is_drum; each an all-zero roll of `steps` steps. No name, tempo or downbeat.
Multitrack empty_lpd5(std::size_t steps, int resolution);
// Merge any multitrack into the five LPD-5 tracks (Drums, Piano, Guitar, Bass, Strings) by maximum velocity.
// All five are always present; each has steps() == mt.steps() (empty families are all-zero).
Multitrack merge_lpd5(const Multitrack& mt);

}  // namespace quintet
