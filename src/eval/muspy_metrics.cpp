#include "eval/muspy_metrics.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <cmath>
#include <optional>

#include "util/error.hpp"

namespace quintet::eval {
namespace {

std::size_t note_end(const Note& n) { return n.start + n.length; }

// MusPy: max(track.get_end_time() for track in music.tracks); max() of nothing raises ValueError.
std::optional<std::size_t> music_length(const NoteMusic& m) {
    if (m.tracks.empty()) return std::nullopt;
    std::size_t length = 0;
    for (const auto& t : m.tracks)
        for (const auto& n : t.notes) length = std::max(length, note_end(n));
    return length;
}

MetricValue no_track_error() { return MetricValue::error("ValueError", "max() of an empty sequence: the Music has no track"); }

// Binary roll of the non-drum notes, length = music length (drums count in the length), one bitset per step.
std::vector<std::bitset<kPitches>> pitched_roll(const NoteMusic& m, std::size_t length) {
    std::vector<std::bitset<kPitches>> roll(length);
    for (const auto& t : m.tracks) {
        if (t.is_drum) continue;
        for (const auto& n : t.notes)
            for (std::size_t s = n.start; s < note_end(n); ++s) roll[s].set(static_cast<std::size_t>(n.pitch));
    }
    return roll;
}

// MusPy's scale masks are C-based: [1,0,1,0,1,1,0,1,0,1,0,1] (major), rolled right by `root`.
bool in_scale(int pitch_class, int root, bool major) {
    static constexpr std::array<bool, 12> kMajor{1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1};
    static constexpr std::array<bool, 12> kMinor{1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0};
    const int i = ((pitch_class - root) % 12 + 12) % 12;  // np.roll(mask, root)[pc] == mask[pc - root]
    return major ? kMajor[i] : kMinor[i];
}

double entropy_bits(const double* counts, std::size_t n, double total) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (counts[i] == 0) continue;  // 0 * log2(0) is NaN in numpy and dropped by nansum
        const double p = counts[i] / total;
        sum += p * std::log2(p);
    }
    return -sum;
}

MetricValue span_empty_rate(const NoteMusic& m, int span) {
    auto length = music_length(m);
    if (!length) return no_track_error();
    if (*length < 1) return MetricValue::number(kNaN);
    const std::size_t step = static_cast<std::size_t>(span);
    const std::size_t n_spans = *length / step + 1;
    std::vector<char> touched(n_spans, 0);
    std::size_t count = 0;
    for (const auto& t : m.tracks)
        for (const auto& n : t.notes)
            // A note touches spans start//span .. end//span inclusive (an end on a line marks the next span).
            for (std::size_t s = n.start / step; s <= note_end(n) / step; ++s)
                if (!touched[s]) { touched[s] = 1; ++count; }
    return MetricValue::number(1 - static_cast<double>(count) / static_cast<double>(n_spans));
}

}  // namespace

NoteMusic note_music(const Multitrack& mt) {
    NoteMusic m;
    m.resolution = mt.resolution;
    for (std::size_t i = 0; i < mt.tracks.size(); ++i)
        m.tracks.push_back({mt.tracks[i].is_drum, track_notes(mt.tracks[i], static_cast<int>(i))});
    return m;
}

NoteMusic note_music(const Multitrack& mt, std::size_t index) {
    if (index >= mt.tracks.size()) throw UsageError("track index " + std::to_string(index) + " out of range");
    NoteMusic m;
    m.resolution = mt.resolution;
    m.tracks.push_back({mt.tracks[index].is_drum, track_notes(mt.tracks[index], static_cast<int>(index))});
    return m;
}

MetricValue pitch_range(const NoteMusic& m) {
    bool any_note = false;
    for (const auto& t : m.tracks) any_note |= !t.notes.empty();
    if (!any_note) return MetricValue::count(0);
    // As coded: starts from highest 0 / lowest 127 and skips drums, so drums alone give -127.
    int highest = 0, lowest = 127;
    for (const auto& t : m.tracks) {
        if (t.is_drum) continue;
        for (const auto& n : t.notes) {
            highest = std::max(highest, n.pitch);
            lowest = std::min(lowest, n.pitch);
        }
    }
    return MetricValue::count(highest - lowest);
}

MetricValue n_pitches_used(const NoteMusic& m) {
    std::bitset<kPitches> used;
    for (const auto& t : m.tracks)
        if (!t.is_drum)
            for (const auto& n : t.notes) used.set(static_cast<std::size_t>(n.pitch));
    return MetricValue::count(static_cast<long long>(used.count()));
}

MetricValue n_pitch_classes_used(const NoteMusic& m) {
    std::bitset<12> used;
    for (const auto& t : m.tracks)
        if (!t.is_drum)
            for (const auto& n : t.notes) used.set(static_cast<std::size_t>(n.pitch % 12));
    return MetricValue::count(static_cast<long long>(used.count()));
}

MetricValue polyphony(const NoteMusic& m) {
    auto length = music_length(m);
    if (!length) return no_track_error();
    const auto roll = pitched_roll(m, *length);
    std::size_t cells = 0, sounding = 0;
    for (const auto& step : roll) {
        cells += step.count();
        sounding += step.any();
    }
    if (sounding < 1) return MetricValue::number(kNaN);
    return MetricValue::number(static_cast<double>(cells) / static_cast<double>(sounding));
}

MetricValue polyphony_rate(const NoteMusic& m, int threshold) {
    auto length = music_length(m);
    if (!length) return no_track_error();
    if (*length < 1) return MetricValue::number(kNaN);
    const auto roll = pitched_roll(m, *length);
    std::size_t poly = 0;
    for (const auto& step : roll) poly += static_cast<long long>(step.count()) > threshold;  // strictly more
    return MetricValue::number(static_cast<double>(poly) / static_cast<double>(roll.size()));
}

MetricValue pitch_in_scale_rate(const NoteMusic& m, int root, bool major) {
    std::size_t notes = 0, in = 0;
    for (const auto& t : m.tracks) {
        if (t.is_drum) continue;
        for (const auto& n : t.notes) {
            ++notes;
            in += in_scale(n.pitch % 12, root, major);
        }
    }
    if (notes < 1) return MetricValue::number(kNaN);
    return MetricValue::number(static_cast<double>(in) / static_cast<double>(notes));
}

MetricValue scale_consistency(const NoteMusic& m) {
    // One pass for the pitch-class histogram, then the 24 scales over it (same counts as MusPy's loops).
    std::array<std::size_t, 12> hist{};
    std::size_t notes = 0;
    for (const auto& t : m.tracks)
        if (!t.is_drum)
            for (const auto& n : t.notes) { ++hist[static_cast<std::size_t>(n.pitch % 12)]; ++notes; }
    if (notes < 1) return MetricValue::number(kNaN);
    double best = 0.0;
    for (bool major : {true, false})
        for (int root = 0; root < 12; ++root) {
            std::size_t in = 0;
            for (int pc = 0; pc < 12; ++pc)
                if (in_scale(pc, root, major)) in += hist[static_cast<std::size_t>(pc)];
            best = std::max(best, static_cast<double>(in) / static_cast<double>(notes));
        }
    return MetricValue::number(best);
}

MetricValue pitch_entropy(const NoteMusic& m) {
    std::array<double, kPitches> counts{};
    double total = 0;
    for (const auto& t : m.tracks)
        if (!t.is_drum)
            for (const auto& n : t.notes) { counts[static_cast<std::size_t>(n.pitch)] += 1; total += 1; }
    if (total < 1) return MetricValue::number(kNaN);
    return MetricValue::number(entropy_bits(counts.data(), counts.size(), total));
}

MetricValue pitch_class_entropy(const NoteMusic& m) {
    std::array<double, 12> counts{};
    double total = 0;
    for (const auto& t : m.tracks)
        if (!t.is_drum)
            for (const auto& n : t.notes) { counts[static_cast<std::size_t>(n.pitch % 12)] += 1; total += 1; }
    if (total < 1) return MetricValue::number(kNaN);
    return MetricValue::number(entropy_bits(counts.data(), counts.size(), total));
}

MetricValue empty_beat_rate(const NoteMusic& m) {
    if (m.resolution < 1) throw UsageError("resolution must be positive");
    return span_empty_rate(m, m.resolution);
}

MetricValue empty_measure_rate(const NoteMusic& m, int measure_resolution) {
    if (measure_resolution < 1) throw UsageError("measure resolution must be positive");
    return span_empty_rate(m, measure_resolution);
}

MetricValue drum_in_pattern_rate(const NoteMusic& m, bool duple) {
    const int res = m.resolution;
    if (res < 1) throw UsageError("resolution must be positive");
    // MusPy's grid over one beat: position 0, plus res/4 and res/2 steps (duple) or res/3 steps (triple)
    // where the beat divides evenly.
    std::vector<char> pattern(static_cast<std::size_t>(res), 0);
    auto mark_every = [&](int stride) {
        for (int i = 0; i < res; i += stride) pattern[static_cast<std::size_t>(i)] = 1;
    };
    pattern[0] = 1;
    if (duple) {
        if (res % 4 == 0) mark_every(res / 4);
        if (res % 2 == 0) mark_every(res / 2);
    } else if (res % 3 == 0) {
        mark_every(res / 3);
    }
    std::size_t notes = 0, in = 0;
    for (const auto& t : m.tracks) {
        if (!t.is_drum) continue;
        for (const auto& n : t.notes) {
            ++notes;
            in += pattern[n.start % static_cast<std::size_t>(res)] != 0;
        }
    }
    if (notes < 1) return MetricValue::number(kNaN);
    return MetricValue::number(static_cast<double>(in) / static_cast<double>(notes));
}

MetricValue drum_pattern_consistency(const NoteMusic& m) {
    const auto duple = drum_in_pattern_rate(m, true);
    if (duple.is_nan()) return duple;
    const auto triple = drum_in_pattern_rate(m, false);
    return duple.value > triple.value ? duple : triple;
}

MetricValue groove_consistency(const NoteMusic& m, int measure_resolution) {
    auto length = music_length(m);
    if (!length) return no_track_error();
    if (measure_resolution < 1) throw UsageError("measure resolution must be positive");
    const std::size_t mr = static_cast<std::size_t>(measure_resolution);
    const std::size_t n_measures = *length / mr + 1;
    if (n_measures < 2) return MetricValue::number(kNaN);
    std::vector<char> onsets(n_measures * mr, 0);  // all tracks, drums included
    for (const auto& t : m.tracks)
        for (const auto& n : t.notes) onsets[n.start] = 1;  // measure * mr + position == start
    std::size_t hamming = 0;
    for (std::size_t i = 0; i + mr < onsets.size(); ++i) hamming += onsets[i] != onsets[i + mr];
    return MetricValue::number(1 - static_cast<double>(hamming) / static_cast<double>(mr * (n_measures - 1)));
}

const std::vector<std::string>& muspy_metric_names() {
    static const std::vector<std::string> names{
        "pitch_range",         "n_pitches_used",   "n_pitch_classes_used", "polyphony",
        "polyphony_rate",      "pitch_in_scale_rate", "scale_consistency",  "pitch_entropy",
        "pitch_class_entropy", "empty_beat_rate",  "empty_measure_rate",   "drum_in_pattern_rate",
        "drum_pattern_consistency", "groove_consistency"};
    return names;
}

std::vector<NamedValue> muspy_metrics(const NoteMusic& m, const MuspyOptions& o) {
    const int measure = o.measure_resolution > 0 ? o.measure_resolution : 4 * m.resolution;
    return {
        {"pitch_range", pitch_range(m)},
        {"n_pitches_used", n_pitches_used(m)},
        {"n_pitch_classes_used", n_pitch_classes_used(m)},
        {"polyphony", polyphony(m)},
        {"polyphony_rate", polyphony_rate(m, o.polyphony_threshold)},
        {"pitch_in_scale_rate", pitch_in_scale_rate(m, o.scale_root, o.scale_major)},
        {"scale_consistency", scale_consistency(m)},
        {"pitch_entropy", pitch_entropy(m)},
        {"pitch_class_entropy", pitch_class_entropy(m)},
        {"empty_beat_rate", empty_beat_rate(m)},
        {"empty_measure_rate", empty_measure_rate(m, measure)},
        {"drum_in_pattern_rate", drum_in_pattern_rate(m, true)},
        {"drum_pattern_consistency", drum_pattern_consistency(m)},
        {"groove_consistency", groove_consistency(m, measure)},
    };
}

}  // namespace quintet::eval
