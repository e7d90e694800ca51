#include "eval/pianoroll_metrics.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "util/error.hpp"

namespace quintet::eval {
namespace {

std::uint8_t cell(const PianorollView& p, std::size_t t, int pitch) {
    const std::uint8_t v = p.cells[t * kPitches + static_cast<std::size_t>(pitch)];
    return p.boolean ? static_cast<std::uint8_t>(v != 0) : v;
}

// _to_chroma: r = p[:, :120].reshape(-1, 12, 10); r[..., :8] += p[:, 120:].reshape(-1, 1, 8); sum(r, -1).
// The in-place += wraps modulo 256 for uint8 and is a logical or for bool; the final sum does not wrap.
std::array<std::uint64_t, 12> band_chroma(const PianorollView& p, std::size_t t) {
    std::array<std::uint64_t, 12> chroma{};
    for (int k = 0; k < 12; ++k) {
        std::uint64_t sum = 0;
        for (int j = 0; j < 10; ++j) {
            std::uint8_t v = cell(p, t, 10 * k + j);
            if (j < 8) {
                const std::uint8_t top = cell(p, t, 120 + j);
                v = p.boolean ? static_cast<std::uint8_t>(v | top) : static_cast<std::uint8_t>(v + top);
            }
            sum += v;
        }
        chroma[static_cast<std::size_t>(k)] = sum;
    }
    return chroma;
}

bool step_any(const PianorollView& p, std::size_t t) {
    for (int q = 0; q < kPitches; ++q)
        if (cell(p, t, q)) return true;
    return false;
}

std::size_t count_nonzero(const PianorollView& p) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < p.steps * kPitches; ++i) n += p.cells[i] != 0;
    return n;
}

// count_nonzero of the array as _to_chroma leaves it: cell 10k+j (j < 8, k < 12) holds cell + cell[120+j].
std::size_t count_nonzero_after_chroma(const PianorollView& p) {
    std::size_t n = 0;
    for (std::size_t t = 0; t < p.steps; ++t)
        for (int q = 0; q < kPitches; ++q) {
            std::uint8_t v = cell(p, t, q);
            if (q < 120 && q % 10 < 8) {
                const std::uint8_t top = cell(p, t, 120 + q % 10);
                v = p.boolean ? static_cast<std::uint8_t>(v | top) : static_cast<std::uint8_t>(v + top);
            }
            n += v != 0;
        }
    return n;
}

MetricValue value_error(const std::string& why) { return MetricValue::error("ValueError", why); }

}  // namespace

PianorollView pypianoroll_view(const Track& track) {
    if (track.empty()) return {track.roll.data(), 0, true};
    return {track.roll.data(), track.steps(), false};
}

MetricValue pr_empty_beat_rate(const PianorollView& p, int resolution) {
    if (resolution < 1) throw UsageError("resolution must be positive");
    const auto res = static_cast<std::size_t>(resolution);
    if (p.steps % res != 0) return value_error("cannot reshape: length is not a multiple of the resolution");
    const std::size_t beats = p.steps / res;
    if (beats < 1) return MetricValue::number(kNaN);
    std::size_t non_empty = 0;
    for (std::size_t b = 0; b < beats; ++b) {
        bool any = false;
        for (std::size_t t = b * res; t < (b + 1) * res && !any; ++t) any = step_any(p, t);
        non_empty += any;
    }
    // The original counts reshaped.any(1), i.e. beats that are NOT empty (its docstring says empty).
    return MetricValue::number(static_cast<double>(non_empty) / static_cast<double>(beats));
}

// Which pitches are active at some step (row-major scan).
std::array<bool, kPitches> used_pitches(const PianorollView& p) {
    std::array<bool, kPitches> used{};
    for (std::size_t t = 0; t < p.steps; ++t) {
        const std::uint8_t* row = p.cells + t * kPitches;
        for (std::size_t q = 0; q < kPitches; ++q) used[q] = used[q] || row[q] != 0;
    }
    return used;
}

MetricValue pr_n_pitches_used(const PianorollView& p) {
    const auto used = used_pitches(p);
    return MetricValue::count(std::count(used.begin(), used.end(), true));
}

MetricValue pr_n_pitch_classes_used(const PianorollView& p) {
    std::array<bool, 12> used{};
    for (std::size_t t = 0; t < p.steps; ++t) {
        const auto chroma = band_chroma(p, t);
        for (std::size_t k = 0; k < 12; ++k) used[k] = used[k] || chroma[k] != 0;
    }
    return MetricValue::count(std::count(used.begin(), used.end(), true));
}

MetricValue pr_pitch_range(const PianorollView& p) {
    const auto used = used_pitches(p);
    int lowest = -1, highest = -1;
    for (int q = 0; q < kPitches; ++q)
        if (used[static_cast<std::size_t>(q)]) {
            if (lowest < 0) lowest = q;
            highest = q;
        }
    if (lowest < 0) return MetricValue::number(kNaN);
    return MetricValue::count(highest - lowest);
}

MetricValue pr_qualified_note_rate(const PianorollView& p, double threshold) {
    (void)threshold;  // never reached with >= 2 onsets (see below)
    // The original pads one zero row on each side and takes np.diff on the UNSIGNED array: every change
    // is a positive "onset" (note ends wrap to 255) and no offset is ever found.
    std::size_t onsets = 0;
    std::array<std::uint8_t, kPitches> prev{};
    for (std::size_t t = 0; t <= p.steps; ++t)
        for (int q = 0; q < kPitches; ++q) {
            const std::uint8_t now = t < p.steps ? cell(p, t, q) : 0;
            onsets += now != prev[static_cast<std::size_t>(q)];
            prev[static_cast<std::size_t>(q)] = now;
        }
    if (onsets < 1) return MetricValue::number(kNaN);
    // offsets (empty) - onsets: broadcasts only with exactly one onset, counting nothing.
    if (onsets == 1) return MetricValue::number(0.0);
    return value_error("operands could not be broadcast together (no offset is ever found on unsigned diffs)");
}

MetricValue pr_polyphonic_rate(const PianorollView& p, int threshold) {
    if (p.steps < 1) return MetricValue::number(kNaN);
    std::size_t poly = 0;
    for (std::size_t t = 0; t < p.steps; ++t) {
        int n = 0;
        for (int q = 0; q < kPitches; ++q) n += cell(p, t, q) != 0;
        poly += n > threshold;
    }
    return MetricValue::number(static_cast<double>(poly) / static_cast<double>(p.steps));
}

MetricValue pr_drum_in_pattern_rate(const PianorollView& p, int resolution, double tol) {
    std::vector<double> unit;
    switch (resolution) {  // the original's per-beat masks
        case 24: unit = {1, tol, 0, 0, 0, tol}; break;
        case 12: unit = {1, tol, tol}; break;
        case 6: unit = {1, tol, tol}; break;
        case 18: unit = {1, tol, 0, 0, 0, tol}; break;
        case 9: unit = {1, tol, tol}; break;
        case 16: unit = {1, tol, 0, tol}; break;
        case 8: unit = {1, tol}; break;
        case 4: unit = {1, tol}; break;
        default: return value_error("Unsupported beat resolution. Expect 4, 6, 8 ,9, 12, 16, 18 or 24.");
    }
    std::vector<double> mask;
    while (mask.size() < static_cast<std::size_t>(resolution)) mask.insert(mask.end(), unit.begin(), unit.end());
    // mask (length resolution) * per-step counts (length T) broadcasts only when T equals it or is 1.
    if (p.steps != mask.size() && p.steps != 1)
        return value_error("operands could not be broadcast together (mask of one beat times per-step counts)");
    std::vector<double> counts(p.steps);
    for (std::size_t t = 0; t < p.steps; ++t)
        for (int q = 0; q < kPitches; ++q) counts[t] += cell(p, t, q) != 0;
    double in_pattern = 0;
    for (std::size_t i = 0; i < mask.size(); ++i) in_pattern += mask[i] * counts[p.steps == 1 ? 0 : i];
    return MetricValue::number(in_pattern / static_cast<double>(count_nonzero(p)));
}

MetricValue pr_in_scale_rate(const PianorollView& p, int root, bool major) {
    // The original's templates are A-based; np.roll(mask, root), so root 3 with "major" is C major.
    static constexpr std::array<bool, 12> kMajor{0, 1, 1, 0, 1, 0, 1, 0, 1, 1, 0, 1};
    static constexpr std::array<bool, 12> kOther{1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1};
    std::array<bool, 12> mask{};
    for (int k = 0; k < 12; ++k) {
        const int src = ((k - root) % 12 + 12) % 12;
        mask[static_cast<std::size_t>(k)] = major ? kMajor[static_cast<std::size_t>(src)] : kOther[static_cast<std::size_t>(src)];
    }
    std::uint64_t in_scale = 0;  // sum of chroma cell values (velocities on uint8 input)
    for (std::size_t t = 0; t < p.steps; ++t) {
        const auto chroma = band_chroma(p, t);
        for (std::size_t k = 0; k < 12; ++k)
            if (mask[k]) in_scale += chroma[k];
    }
    // The denominator count_nonzero(pianoroll) runs AFTER _to_chroma has added pitches 120..127 into the
    // array in place, so it counts the modified cells (a fresh copy per call does not undo this).
    return MetricValue::number(static_cast<double>(in_scale) / static_cast<double>(count_nonzero_after_chroma(p)));
}

MetricValue pr_tonal_distance(const PianorollView& a, const PianorollView& b, int resolution, double r1, double r2,
                              double r3) {
    if (a.steps != b.steps) return MetricValue::error("AssertionError", "Input piano rolls must have the same length.");
    if (resolution < 1 || a.steps % static_cast<std::size_t>(resolution) != 0)
        return value_error("cannot reshape the chroma into beats of `resolution` steps");
    // np.matmul(tonal_matrix (6x12), beat_chroma.T (12, resolution, n_beats)) contracts the tonal matrix's
    // 12 columns with the resolution axis: a core-dimension mismatch unless resolution == 12.
    if (resolution != 12)
        return value_error("matmul: mismatch in core dimension (12 vs resolution)");
    double tm[6][12];
    for (int i = 0; i < 12; ++i) {
        tm[0][i] = r1 * std::sin(i * (7.0 / 6.0) * M_PI);
        tm[1][i] = r1 * std::cos(i * (7.0 / 6.0) * M_PI);
        tm[2][i] = r2 * std::sin(i * (3.0 / 2.0) * M_PI);
        tm[3][i] = r2 * std::cos(i * (3.0 / 2.0) * M_PI);
        tm[4][i] = r3 * std::sin(i * (2.0 / 3.0) * M_PI);
        tm[5][i] = r3 * std::cos(i * (2.0 / 3.0) * M_PI);
    }
    // As coded at resolution 12: chroma normalized per time step, mapped[b][i][c] = sum_s tm[i][s] * chroma[b*12+s][c];
    // the result is the Frobenius norm of the difference over all beats at once.
    auto normalized = [](const PianorollView& p, std::size_t t) {
        const auto chroma = band_chroma(p, t);
        std::array<double, 12> out{};
        double sum = 0;
        for (auto v : chroma) sum += static_cast<double>(v);
        for (std::size_t c = 0; c < 12; ++c) out[c] = static_cast<double>(chroma[c]) / sum;
        return out;
    };
    double squares = 0;
    for (std::size_t beat = 0; beat < a.steps / 12; ++beat) {
        double mapped[6][12] = {};
        for (int s = 0; s < 12; ++s) {
            const auto ca = normalized(a, beat * 12 + static_cast<std::size_t>(s));
            const auto cb = normalized(b, beat * 12 + static_cast<std::size_t>(s));
            for (int i = 0; i < 6; ++i)
                for (std::size_t c = 0; c < 12; ++c) mapped[i][c] += tm[i][s] * (ca[c] - cb[c]);
        }
        for (auto& row : mapped)
            for (double v : row) squares += v * v;
    }
    return MetricValue::number(std::sqrt(squares));
}

std::vector<ScopedValue> pypianoroll_metrics(const Multitrack& mt) {
    std::vector<ScopedValue> rows;
    const int res = mt.resolution;
    for (const auto& track : mt.tracks) {
        const PianorollView p = pypianoroll_view(track);
        const PianorollView pb{p.cells, p.steps, true};  // p > 0: the same cells read as bool
        auto add = [&](const char* metric, MetricValue v) { rows.push_back({track.name, metric, std::move(v)}); };
        add("n_time_steps", MetricValue::count(static_cast<long long>(p.steps)));
        add("empty_beat_rate", pr_empty_beat_rate(p, res));
        add("n_pitches_used", pr_n_pitches_used(p));
        add("n_pitch_classes_used", pr_n_pitch_classes_used(p));
        add("pitch_range", pr_pitch_range(p));
        add("qualified_note_rate", pr_qualified_note_rate(p));
        add("polyphonic_rate", pr_polyphonic_rate(p));
        add("in_scale_rate", pr_in_scale_rate(p));
        add("in_scale_rate__binarized", pr_in_scale_rate(pb));
        if (track.is_drum) add("drum_in_pattern_rate", pr_drum_in_pattern_rate(p, res));
    }
    // Pairs of non-drum tracks after pad_to_same: zero-padding every track to the longest.
    std::size_t longest = 0;
    for (const auto& t : mt.tracks) longest = std::max(longest, t.steps());
    std::vector<std::vector<std::uint8_t>> padded(mt.tracks.size());  // copies only of tracks shorter than that
    std::vector<std::size_t> pitched;
    for (std::size_t i = 0; i < mt.tracks.size(); ++i) {
        if (mt.tracks[i].steps() != longest) {
            padded[i] = mt.tracks[i].roll;
            padded[i].resize(longest * kPitches, 0);
        }
        if (!mt.tracks[i].is_drum) pitched.push_back(i);
    }
    auto padded_view = [&](std::size_t i) {
        const std::uint8_t* cells = padded[i].empty() ? mt.tracks[i].roll.data() : padded[i].data();
        return PianorollView{cells, longest, mt.tracks[i].empty()};
    };
    for (std::size_t x = 0; x < pitched.size(); ++x)
        for (std::size_t y = x + 1; y < pitched.size(); ++y) {
            const auto i = pitched[x], j = pitched[y];
            const PianorollView a = padded_view(i), b = padded_view(j);
            rows.push_back({mt.tracks[i].name + "-" + mt.tracks[j].name, "tonal_distance", pr_tonal_distance(a, b, res)});
        }
    return rows;
}

}  // namespace quintet::eval
