#pragma once
// MuseGAN's intra- and inter-track metrics (Dong et al., AAAI 2018): EB, UP, QN, PP, in-scale, DP, UPC
// per track and TD per pair of tracks, on bars of 4 beats, as the original v1 evaluator
// (salu133445/musegan v1/musegan/eval/metrics.py, class Metrics) computes them: per bar on the 84 pitches
// MIDI 24..107, every metric but EB on non-empty bars only, song value = mean over the bars where it is
// defined (np.nanmean). See REFERENCE.md 2.1 and metrics-reference/README.md.
#include <cstddef>
#include <string>
#include <vector>

#include "eval/metric_value.hpp"
#include "eval/pianoroll_metrics.hpp"
#include "roll/multitrack.hpp"

namespace quintet::eval {

enum class ChromaMode {
    PitchClass,  // pitch % 12: the correct chroma (default)
    Band,        // the v1 code's bar.reshape(T, 12, -1).sum(2): 12 bands of 7 adjacent semitones
};

enum class BarCut {
    Bars,      // every complete bar from step 0
    Phrases4,  // consecutive 4-bar phrases from step 0 (the v1 training tensor); a trailing partial phrase is dropped
};

struct MuseganOptions {
    ChromaMode chroma = ChromaMode::PitchClass;
    BarCut cut = BarCut::Bars;
    int qualified_min_steps = 2;  // QN: notes at least this long (v1 code: 2; paper text: 3) at 24 steps per beat
    double drum_tolerance = 0.3;  // DP weight one step off the 16th grid (v1 code 0.3; newer code 0.1)
    int polyphony_min_pitches = 2;  // PP: steps with at least this many pitches
    int lowest_pitch = 24;        // the 84 rows of the v1 tensor: MIDI 24..107
    int n_pitches = 84;
};

// Values of one song in the v1 evaluator's layout. Tracks in the v1 order bass, drums, guitar, piano,
// strings; metrics in its order (metric_is_empty_bar, metric_num_pitch_used, metric_qualified_note_ratio,
// metric_polyphonic_ratio, metric_in_scale, metric_drum_pattern, metric_num_chroma_used).
inline constexpr int kMuseganTracks = 5;
inline constexpr int kMuseganMetrics = 7;
inline constexpr int kMuseganPairs = 6;
const char* musegan_track_name(int v1_track);     // "bass", "drums", ...
const char* musegan_metric_name(int metric);      // "metric_is_empty_bar", ...
const char* musegan_paper_name(int metric);       // "EB", "UP", "QN", "PP", "IS", "DP", "UPC"
bool musegan_metric_enabled(int metric, int v1_track);  // the v1 eval_map (27 cells)
std::string musegan_pair_name(int pair);          // "bass-guitar", ...

struct MuseganResult {
    std::size_t n_bars = 0;
    double track[kMuseganMetrics][kMuseganTracks];  // NaN where undefined or not enabled
    double pair[kMuseganPairs];                      // TD
    // Sums and counts behind each mean, so results of several songs can be pooled bar-weighted.
    double track_sum[kMuseganMetrics][kMuseganTracks];
    std::size_t track_count[kMuseganMetrics][kMuseganTracks];
    double pair_sum[kMuseganPairs];
    std::size_t pair_count[kMuseganPairs];
};

// mt: the five LPD-5 tracks in file order (Drums, Piano, Guitar, Bass, Strings); any resolution whose beat
// divides into 4 (bars of 4 beats, the DP grid of 16th notes). Throws UsageError otherwise.
MuseganResult musegan_metrics(const Multitrack& mt, const MuseganOptions& options = {});
// Pools several results: the mean over all their bars (as evaluating them as one batch would).
MuseganResult pool_musegan(const std::vector<MuseganResult>& results);

// Rows in musegan_v1.csv order: song n_bars, then the 27 enabled (metric, track) cells, then the 6 pairs.
std::vector<ScopedValue> musegan_rows(const MuseganResult& r);

}  // namespace quintet::eval
