#pragma once
// pypianoroll v1 metrics (salu133445/pypianoroll v1.0.4 `pypianoroll/metrics.py`), reproduced with
// their quirks so values match the original code (REFERENCE.md 2.3, metrics-reference/README.md):
// band "chroma" (bin k = pitches 10k..10k+9, plus 120..127 added into every bin with uint8 wrap),
// empty_beat_rate returning the NON-empty share, qualified_note_rate / drum_in_pattern_rate /
// tonal_distance raising where the original raises (MetricValue::error). Each call behaves as on a
// fresh copy of the array (the original's _to_chroma writes into its input; we never mutate), except
// that in_scale_rate's denominator counts the cells its own _to_chroma call wrote into, as the original.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "eval/metric_value.hpp"
#include "eval/muspy_metrics.hpp"
#include "roll/multitrack.hpp"

namespace quintet::eval {

// A T x 128 array as pypianoroll hands it to a metric: uint8 velocities, or numpy bool
// (values 0/1; in-place additions become logical or).
struct PianorollView {
    const std::uint8_t* cells = nullptr;  // row-major steps x 128
    std::size_t steps = 0;
    bool boolean = false;
};

// pypianoroll.load gives an all-zero LPD track as an empty (0, 128) bool array; others as uint8 (T, 128).
PianorollView pypianoroll_view(const Track& track);

MetricValue pr_empty_beat_rate(const PianorollView& p, int resolution);   // quirk: non-empty share
MetricValue pr_n_pitches_used(const PianorollView& p);
MetricValue pr_n_pitch_classes_used(const PianorollView& p);             // band chroma
MetricValue pr_pitch_range(const PianorollView& p);                      // NaN if empty
MetricValue pr_qualified_note_rate(const PianorollView& p, double threshold = 2);
MetricValue pr_polyphonic_rate(const PianorollView& p, int threshold = 2);
MetricValue pr_drum_in_pattern_rate(const PianorollView& p, int resolution, double tolerance = 0.1);
MetricValue pr_in_scale_rate(const PianorollView& p, int root = 3, bool major = true);
MetricValue pr_tonal_distance(const PianorollView& a, const PianorollView& b, int resolution,
                              double r1 = 1.0, double r2 = 1.0, double r3 = 0.5);

struct ScopedValue {
    std::string scope;  // track name, or "A-B" for a pair
    std::string metric;
    MetricValue value;
};

// The rows of pypianoroll_v1.csv for one LPD-5 Multitrack, in its order: per track n_time_steps,
// empty_beat_rate, n_pitches_used, n_pitch_classes_used, pitch_range, qualified_note_rate,
// polyphonic_rate, in_scale_rate, in_scale_rate__binarized (+ drum_in_pattern_rate for drum tracks),
// then tonal_distance for each pair of non-drum tracks (padded to the same length).
std::vector<ScopedValue> pypianoroll_metrics(const Multitrack& mt);

}  // namespace quintet::eval
