#include "io/lpd/pretty_midi_timing.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "util/error.hpp"

namespace quintet::lpd_detail {
namespace {

// numpy.isclose(a, b) with its defaults rtol=1e-5, atol=1e-8.
bool is_close(double a, double b) { return std::fabs(a - b) <= 1e-8 + 1e-5 * std::fabs(b); }
bool gt_or_close(double a, double b) { return a > b || is_close(a, b); }

constexpr std::size_t kMaxBeats = std::size_t(1) << 20;
constexpr double kMaxEstimateSeconds = 6 * 3600;

// pretty_midi.utilities.qpm_to_bpm (0.2.x): beats per minute from a quarter-note tempo and a meter.
double qpm_to_bpm(double qpm, int numerator, int denominator) {
    if (denominator == 1 || denominator == 2 || denominator == 4 || denominator == 8 || denominator == 16 ||
        denominator == 32) {
        if (numerator == 3) return qpm * denominator / 4.0;
        if (numerator % 3 == 0) return qpm / 3.0 * denominator / 4.0;
        return qpm * denominator / 4.0;
    }
    return qpm;
}

}  // namespace

PrettyMidiTiming::PrettyMidiTiming(const MidiFile& midi) {
    const double resolution = midi.ticks_per_beat;
    // _load_tempo_changes: 120 bpm at tick 0; a tempo at tick 0 replaces the list; later ones are
    // appended unless they repeat the previous tick scale. bpm = 6e7 / usec, scale = 60 / (bpm * res).
    std::vector<std::pair<std::int64_t, double>> ticks = {{0, 60.0 / (120.0 * resolution)}};
    for (const MidiTempo& t : midi.tempos) {
        if (t.track != 0) continue;  // pretty_midi reads tempo changes from the first track only
        const double bpm = 6e7 / static_cast<double>(t.usec_per_beat);
        const double scale = 60.0 / (bpm * resolution);
        if (t.tick == 0) {
            ticks = {{0, scale}};
        } else if (scale != ticks.back().second) {
            ticks.push_back({t.tick, scale});
        }
    }
    // _update_tick_to_time: time(tick) = last_end_time + scale * (tick - start_tick) per interval.
    double last_end = 0;
    for (std::size_t i = 0; i < ticks.size(); ++i) {
        scales_.push_back({ticks[i].first, ticks[i].second, last_end});
        if (i + 1 < ticks.size())
            last_end = last_end + ticks[i].second * static_cast<double>(ticks[i + 1].first - ticks[i].first);
    }
    for (const Scale& s : scales_) {
        change_times_.push_back(tick_to_time(s.tick));
        tempi_.push_back(60.0 / (s.seconds_per_tick * resolution));
    }
}

double PrettyMidiTiming::tick_to_time(std::int64_t tick) const {
    // The last interval whose start tick is <= tick; with equal start ticks the later one wins,
    // as the later interval overwrites the array in pretty_midi.
    std::size_t i = 0;
    for (std::size_t k = 0; k < scales_.size(); ++k)
        if (scales_[k].tick <= tick) i = k;
    return scales_[i].start_time + scales_[i].seconds_per_tick * static_cast<double>(tick - scales_[i].tick);
}

std::vector<double> get_beats(double start_time, double end_time, const PrettyMidiTiming& timing,
                              const std::vector<TimeSignatureAt>& ts) {
    const auto& change_times = timing.tempo_change_times();
    const auto& tempi = timing.tempi();
    const std::size_t n_tempi = change_times.size();
    std::vector<double> beats = {start_time};
    std::size_t tempo_idx = 0;
    while (tempo_idx + 1 < n_tempi && beats.back() > change_times[tempo_idx + 1]) ++tempo_idx;
    std::size_t ts_idx = 0;
    while (ts_idx + 1 < ts.size() && beats.back() >= ts[ts_idx + 1].time) ++ts_idx;

    auto current_bpm = [&]() {
        if (!ts.empty()) return qpm_to_bpm(tempi[tempo_idx], ts[ts_idx].numerator, ts[ts_idx].denominator);
        return tempi[tempo_idx];
    };

    while (beats.back() < end_time) {
        double bpm = current_bpm();
        double next_beat = beats.back() + 60.0 / bpm;
        if (tempo_idx + 1 < n_tempi && next_beat > change_times[tempo_idx + 1]) {
            next_beat = beats.back();
            double beat_remaining = 1.0;
            while (tempo_idx + 1 < n_tempi && next_beat + beat_remaining * 60.0 / bpm >= change_times[tempo_idx + 1]) {
                double overshot_ratio = (change_times[tempo_idx + 1] - next_beat) / (60.0 / bpm);
                next_beat += overshot_ratio * 60.0 / bpm;
                beat_remaining -= overshot_ratio;
                tempo_idx = tempo_idx + 1;
                bpm = current_bpm();
            }
            next_beat += beat_remaining * 60. / bpm;
        }
        if (!ts.empty() && ts_idx == 0) {
            double current_ts_time = ts[ts_idx].time;
            if (current_ts_time > beats.back() && gt_or_close(next_beat, current_ts_time)) next_beat = current_ts_time;
        }
        if (ts_idx + 1 < ts.size()) {
            double next_ts_time = ts[ts_idx + 1].time;
            if (gt_or_close(next_beat, next_ts_time)) {
                next_beat = next_ts_time;
                ts_idx += 1;
                bpm = current_bpm();
            }
        }
        beats.push_back(next_beat);
        // pretty_midi has no guard here; ours bounds memory and time on absurd files (LPD songs have < 5k beats).
        if (beats.size() > kMaxBeats) throw Error("MIDI beat grid: more than " + std::to_string(kMaxBeats) + " beats");
    }
    beats.pop_back();  // the last beat passed end_time
    return beats;
}

double estimate_beat_start(std::vector<OnsetNote> notes, double end_time, const PrettyMidiTiming& timing,
                           const std::vector<TimeSignatureAt>& signatures) {
    if (notes.empty()) throw Error("Can't estimate beat start when there are no notes.");
    // The estimate samples the song at 1 kHz; refuse what would need gigabytes (pretty_midi would try).
    if (!(end_time <= kMaxEstimateSeconds))
        throw Error("MIDI too long (" + std::to_string(end_time) + " s) to estimate its first beat");
    std::stable_sort(notes.begin(), notes.end(), [](const OnsetNote& a, const OnsetNote& b) { return a.start < b.start; });
    constexpr std::size_t kCandidates = 10;
    constexpr double kTolerance = .025;
    constexpr double fs = 1000;
    std::vector<std::vector<double>> candidates;
    std::vector<double> start_times;
    for (std::size_t i = 0; candidates.size() <= kCandidates && candidates.size() <= notes.size() && i < notes.size(); ++i) {
        if (i == 0 || std::fabs(notes[i - 1].start - notes[i].start) > .001) {
            candidates.push_back(get_beats(notes[i].start, end_time, timing, signatures));
            start_times.push_back(notes[i].start);
        }
    }
    const auto length = static_cast<std::size_t>(fs * (end_time + 1));
    std::vector<double> onset(length, 0.0);
    for (const OnsetNote& n : notes) {
        auto at = static_cast<std::size_t>(n.start * fs);
        if (at < length) onset[at] += n.velocity;
    }
    // The beat signal is a set of 50 ms windows; the score is the onset mass inside them / number of beats.
    std::vector<double> scores;
    std::vector<std::uint8_t> window(length);
    for (const auto& beats : candidates) {
        std::fill(window.begin(), window.end(), 0);
        std::vector<double> all = {0.0};
        all.insert(all.end(), beats.begin(), beats.end());
        for (double beat : all) {
            if (beat - kTolerance < 0) {
                auto end = static_cast<std::int64_t>((beat + kTolerance) * fs);
                for (std::int64_t k = 0; k < end && k < static_cast<std::int64_t>(length); ++k) window[k] = 1;
            } else {
                auto b = static_cast<std::int64_t>((beat - kTolerance) * fs);
                auto e = b + static_cast<std::int64_t>(fs * kTolerance * 2);
                for (std::int64_t k = b; k < e && k < static_cast<std::int64_t>(length); ++k) window[k] = 1;
            }
        }
        double dot = 0;
        for (std::size_t k = 0; k < length; ++k)
            if (window[k]) dot += onset[k];
        scores.push_back(dot / static_cast<double>(beats.size()));
    }
    // np.argmax: the first maximum (NaN, from a candidate with no beats, wins as numpy's does).
    std::size_t best = 0;
    for (std::size_t k = 0; k < scores.size(); ++k) {
        if (std::isnan(scores[k])) { best = k; break; }
        if (scores[k] > scores[best]) best = k;
    }
    return start_times[best];
}

}  // namespace quintet::lpd_detail
