#pragma once
// MusPy's objective metrics (Dong et al. 2020), computed on note lists exactly as
// salu133445/muspy v0.5.0 `muspy/metrics/metrics.py` codes them (REFERENCE.md 2.4,
// shared/data/metrics-reference/README.md), including where it returns NaN.
#include <cstddef>
#include <string>
#include <vector>

#include "eval/metric_value.hpp"
#include "roll/multitrack.hpp"
#include "roll/notes.hpp"

namespace quintet::eval {

// What MusPy's Music holds for these metrics: per track a drum flag and its notes.
struct NoteTrack {
    bool is_drum = false;
    std::vector<Note> notes;
};
struct NoteMusic {
    int resolution = 24;  // time steps per beat
    std::vector<NoteTrack> tracks;
};

// Every track of a Multitrack (MusPy `from_pypianoroll`: one note per run of non-zero cells).
NoteMusic note_music(const Multitrack& mt);
// A Music holding only track `index` (the per-track scope of the reference CSV).
NoteMusic note_music(const Multitrack& mt, std::size_t index);

// Each returns MetricValue::error("ValueError", ...) where MusPy raises (a Music with no track).
MetricValue pitch_range(const NoteMusic& m);
MetricValue n_pitches_used(const NoteMusic& m);
MetricValue n_pitch_classes_used(const NoteMusic& m);
MetricValue polyphony(const NoteMusic& m);
MetricValue polyphony_rate(const NoteMusic& m, int threshold = 2);
// root 0..11 (0 = C), major or natural minor.
MetricValue pitch_in_scale_rate(const NoteMusic& m, int root, bool major);
MetricValue scale_consistency(const NoteMusic& m);
MetricValue pitch_entropy(const NoteMusic& m);
MetricValue pitch_class_entropy(const NoteMusic& m);
MetricValue empty_beat_rate(const NoteMusic& m);
MetricValue empty_measure_rate(const NoteMusic& m, int measure_resolution);
MetricValue drum_in_pattern_rate(const NoteMusic& m, bool duple);
MetricValue drum_pattern_consistency(const NoteMusic& m);
MetricValue groove_consistency(const NoteMusic& m, int measure_resolution);

struct NamedValue {
    std::string metric;
    MetricValue value;
};

struct MuspyOptions {
    int measure_resolution = 0;  // steps per measure; 0 = 4 beats (96 at 24 steps per beat)
    int polyphony_threshold = 2;
    int scale_root = 0;          // pitch_in_scale_rate: C major, as in the reference CSV
    bool scale_major = true;
};

// The 14 metrics of the reference CSV, in its order.
std::vector<NamedValue> muspy_metrics(const NoteMusic& m, const MuspyOptions& options = {});
const std::vector<std::string>& muspy_metric_names();

}  // namespace quintet::eval
