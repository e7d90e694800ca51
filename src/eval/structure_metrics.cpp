#include "eval/structure_metrics.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "roll/notes.hpp"
#include "util/error.hpp"

namespace quintet::eval {
namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Onset sets of every bar of one track: a bit per (grid position in the bar, pitch).
class BarOnsets {
public:
    BarOnsets(std::size_t bars, std::size_t cells_per_bar)
        : words_((cells_per_bar * kPitches + 63) / 64), bits_(bars * words_, 0) {}
    void set(std::size_t bar, std::size_t cell_in_bar, int pitch) {
        const std::size_t bit = cell_in_bar * kPitches + static_cast<std::size_t>(pitch);
        bits_[bar * words_ + bit / 64] |= std::uint64_t{1} << (bit % 64);
    }
    bool empty(std::size_t bar) const {
        const auto* w = bits_.data() + bar * words_;
        return std::all_of(w, w + words_, [](std::uint64_t x) { return x == 0; });
    }
    bool equal(std::size_t a, std::size_t b) const {
        return std::equal(bits_.data() + a * words_, bits_.data() + (a + 1) * words_, bits_.data() + b * words_);
    }

private:
    std::size_t words_;
    std::vector<std::uint64_t> bits_;
};

bool silent_between(const Track& t, std::size_t first_step, std::size_t end_step) {
    end_step = std::min(end_step, t.steps());
    if (first_step >= end_step) return true;
    return std::all_of(t.roll.begin() + static_cast<std::ptrdiff_t>(first_step * kPitches),
                       t.roll.begin() + static_cast<std::ptrdiff_t>(end_step * kPitches),
                       [](std::uint8_t v) { return v == 0; });
}

}  // namespace

StructureResult structure_metrics(const Multitrack& mt, const StructureOptions& o) {
    if (mt.resolution < 1) throw UsageError("resolution must be positive");
    if (o.steps_per_beat < 1 || o.beats_per_bar < 1 || o.early_bars < 1 || o.late_first_bar < 1 ||
        o.late_last_bar < o.late_first_bar)
        throw UsageError("structure metrics: grid and bar windows must be positive and non-empty");
    const auto r = static_cast<std::size_t>(mt.resolution), g = static_cast<std::size_t>(o.steps_per_beat);
    const std::size_t cells_per_bar = g * static_cast<std::size_t>(o.beats_per_bar);
    const std::size_t bar_steps = r * static_cast<std::size_t>(o.beats_per_bar);
    StructureResult out;
    out.bars = (mt.steps() + bar_steps - 1) / bar_steps;
    out.judged_for_dropout = out.bars >= static_cast<std::size_t>(o.late_last_bar);
    for (std::size_t ti = 0; ti < mt.tracks.size(); ++ti) {
        const Track& track = mt.tracks[ti];
        TrackStructure ts;
        BarOnsets onsets(out.bars, cells_per_bar);
        for (const Note& n : track_notes(track, static_cast<int>(ti))) {
            // floor(floor(s g / r) / cells_per_bar) = floor(s / bar_steps): grid bars are the song's bars.
            const std::size_t cell = n.start * g / r;
            const std::size_t bar = cell / cells_per_bar;
            if (bar >= out.bars) continue;  // a track longer than mt.steps() cannot be, but stay in bounds
            onsets.set(bar, cell % cells_per_bar, n.pitch);
            if (bar < static_cast<std::size_t>(o.early_bars)) ts.plays_early = true;
        }
        // An onset is a sounding cell, so "no sounding cell" covers "no onset".
        ts.silent_late = out.judged_for_dropout &&
                         silent_between(track, static_cast<std::size_t>(o.late_first_bar - 1) * bar_steps,
                                        static_cast<std::size_t>(o.late_last_bar) * bar_steps);
        for (std::size_t b = 0; b < out.bars; ++b) {
            if (onsets.empty(b)) continue;
            ++ts.onset_bars;
            if (b >= 1 && onsets.equal(b, b - 1)) ++ts.repeats_previous;
            for (std::size_t k = 1; k <= static_cast<std::size_t>(kRepeatWindow) && k <= b; ++k)
                if (onsets.equal(b, b - k)) {
                    ++ts.repeats_window;
                    break;
                }
        }
        out.tracks.push_back(ts);
    }
    return out;
}

std::vector<ScopedValue> structure_rows(const Multitrack& mt, const StructureResult& r) {
    std::vector<ScopedValue> rows;
    auto share = [](std::size_t part, std::size_t whole) {
        return MetricValue::number(whole ? static_cast<double>(part) / static_cast<double>(whole) : kNaN);
    };
    for (std::size_t i = 0; i < r.tracks.size() && i < mt.tracks.size(); ++i) {
        const TrackStructure& t = r.tracks[i];
        const std::string scope = lower(mt.tracks[i].name);
        const bool judged = r.judged_for_dropout && t.plays_early;
        rows.push_back({scope, kDropoutMetric, judged ? MetricValue::count(t.silent_late ? 1 : 0) : MetricValue::number(kNaN)});
        rows.push_back({scope, kRepeatWindowMetric, share(t.repeats_window, t.onset_bars)});
        rows.push_back({scope, kRepeatPreviousMetric, share(t.repeats_previous, t.onset_bars)});
    }
    return rows;
}

}  // namespace quintet::eval
