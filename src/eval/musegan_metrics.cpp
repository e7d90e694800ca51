#include "eval/musegan_metrics.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <cmath>

#include "util/error.hpp"

namespace quintet::eval {
namespace {

// v1 TrainingConfig: track_names and the LPD-5 file index of each.
constexpr const char* kTrackNames[kMuseganTracks] = {"bass", "drums", "guitar", "piano", "strings"};
constexpr int kLpdIndex[kMuseganTracks] = {3, 0, 2, 1, 4};
constexpr const char* kMetricNames[kMuseganMetrics] = {
    "metric_is_empty_bar", "metric_num_pitch_used", "metric_qualified_note_ratio", "metric_polyphonic_ratio",
    "metric_in_scale",     "metric_drum_pattern",   "metric_num_chroma_used"};
constexpr const char* kPaperNames[kMuseganMetrics] = {"EB", "UP", "QN", "PP", "IS", "DP", "UPC"};
// v1 eval_map, rows = metrics, columns = tracks (bass, drums, guitar, piano, strings).
constexpr bool kEvalMap[kMuseganMetrics][kMuseganTracks] = {
    {1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}, {1, 0, 1, 1, 1}, {1, 0, 1, 1, 1},
    {1, 0, 1, 1, 1}, {0, 1, 0, 0, 0}, {1, 0, 1, 1, 1}};
// v1 inter_pair.
constexpr int kPairs[kMuseganPairs][2] = {{0, 2}, {0, 3}, {0, 4}, {2, 3}, {2, 4}, {3, 4}};
// v1 scale_mask (C major on pitch classes; on the band chroma it is applied to bands as coded).
constexpr std::array<double, 12> kScaleMask{1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1};

enum Metric { EB = 0, UP, QN, PP, IS, DP, UPC };

using StepBits = std::bitset<kPitches>;

// The v1 tonal matrix is built as float32 (np.empty((6, 12), dtype=np.float32)); keep that rounding.
std::array<std::array<double, 12>, 6> tonal_matrix_float32() {
    std::array<std::array<double, 12>, 6> tm{};
    for (int i = 0; i < 12; ++i) {
        const auto u = static_cast<std::size_t>(i);
        tm[0][u] = static_cast<float>(1.0 * std::sin(i * (7.0 / 6.0) * M_PI));
        tm[1][u] = static_cast<float>(1.0 * std::cos(i * (7.0 / 6.0) * M_PI));
        tm[2][u] = static_cast<float>(1.0 * std::sin(i * (3.0 / 2.0) * M_PI));
        tm[3][u] = static_cast<float>(1.0 * std::cos(i * (3.0 / 2.0) * M_PI));
        tm[4][u] = static_cast<float>(0.5 * std::sin(i * (2.0 / 3.0) * M_PI));
        tm[5][u] = static_cast<float>(0.5 * std::cos(i * (2.0 / 3.0) * M_PI));
    }
    return tm;
}

// Per bar and track: what TD and the intra-track metrics need.
struct BarTrack {
    bool empty = true;
    std::array<std::array<std::uint32_t, 12>, 4> beat_chroma{};  // chroma summed over each beat
};

}  // namespace

const char* musegan_track_name(int v) { return kTrackNames[v]; }
const char* musegan_metric_name(int m) { return kMetricNames[m]; }
const char* musegan_paper_name(int m) { return kPaperNames[m]; }
bool musegan_metric_enabled(int m, int v) { return kEvalMap[m][v]; }
std::string musegan_pair_name(int p) {
    return std::string(kTrackNames[kPairs[p][0]]) + "-" + kTrackNames[kPairs[p][1]];
}

MuseganResult musegan_metrics(const Multitrack& mt, const MuseganOptions& o) {
    if (mt.tracks.size() != 5) throw UsageError("MuseGAN metrics need the five LPD-5 tracks (got " + std::to_string(mt.tracks.size()) + ")");
    const int res = mt.resolution;
    if (res < 4 || res % 4 != 0) throw UsageError("MuseGAN metrics need a resolution divisible by 4 (16th-note grid), got " + std::to_string(res));
    if (o.n_pitches < 12 || o.n_pitches % 12 != 0 || o.lowest_pitch < 0 || o.lowest_pitch + o.n_pitches > kPitches)
        throw UsageError("MuseGAN pitch window must be 12k pitches inside 0..127");
    const std::size_t bar_len = 4 * static_cast<std::size_t>(res);
    const std::size_t beat_len = static_cast<std::size_t>(res);
    const std::size_t grid = static_cast<std::size_t>(res / 4);  // steps per 16th note (6 at 24)
    const int band = o.n_pitches / 12;

    std::size_t T = 0;
    for (const auto& t : mt.tracks) T = std::max(T, t.steps());
    std::size_t n_bars = T / bar_len;
    if (o.cut == BarCut::Phrases4) n_bars = (T / (4 * bar_len)) * 4;

    // Chroma bin of each row of the pitch window.
    std::array<int, kPitches> bin{};
    for (int r = 0; r < o.n_pitches; ++r)
        bin[static_cast<std::size_t>(r)] = o.chroma == ChromaMode::Band ? r / band : (o.lowest_pitch + r) % 12;

    // DP filter over one bar: 1 on the 16th grid, tolerance one step either side (v1: tile([1,.3,0,0,0,.3],16)).
    std::vector<double> filter(bar_len, 0.0);
    for (std::size_t t = 0; t < bar_len; ++t) {
        const std::size_t pos = t % grid;
        if (pos == 0) filter[t] = 1.0;
        else if (pos == 1 || pos == grid - 1) filter[t] = o.drum_tolerance;
    }
    const auto tm = tonal_matrix_float32();

    MuseganResult r{};
    r.n_bars = n_bars;
    std::vector<StepBits> bits(bar_len);
    std::vector<std::uint32_t> onset_count(bar_len);
    std::array<BarTrack, kMuseganTracks> bar_tracks;

    for (std::size_t b = 0; b < n_bars; ++b) {
        for (int v = 0; v < kMuseganTracks; ++v) {
            const Track& track = mt.tracks[static_cast<std::size_t>(kLpdIndex[v])];
            BarTrack& bt = bar_tracks[static_cast<std::size_t>(v)];
            bt = BarTrack{};
            for (std::size_t s = 0; s < bar_len; ++s) {
                bits[s].reset();
                const std::size_t t = b * bar_len + s;
                if (t >= track.steps()) continue;
                const std::uint8_t* row = &track.roll[t * kPitches + static_cast<std::size_t>(o.lowest_pitch)];
                for (int q = 0; q < o.n_pitches; ++q)
                    if (row[q]) {
                        bits[s].set(static_cast<std::size_t>(q));
                        ++bt.beat_chroma[s / beat_len][static_cast<std::size_t>(bin[static_cast<std::size_t>(q)])];
                    }
                if (bits[s].any()) bt.empty = false;
            }
            auto record = [&](int metric, double value) {
                if (!kEvalMap[metric][v]) return;
                r.track_sum[metric][v] += value;
                ++r.track_count[metric][v];
            };
            record(EB, bt.empty ? 1.0 : 0.0);
            if (bt.empty) continue;  // every other metric only on non-empty bars

            StepBits used;
            std::size_t poly_steps = 0, onsets_total = 0, notes = 0, qualified = 0;
            std::array<std::size_t, kPitches> run_start{};
            StepBits prev;
            for (std::size_t s = 0; s < bar_len; ++s) {
                const StepBits& cur = bits[s];
                used |= cur;
                poly_steps += static_cast<int>(cur.count()) >= o.polyphony_min_pitches;
                const StepBits on = cur & ~prev, off = prev & ~cur;
                onset_count[s] = static_cast<std::uint32_t>(on.count());
                onsets_total += onset_count[s];
                for (int q = 0; q < o.n_pitches; ++q) {
                    const auto uq = static_cast<std::size_t>(q);
                    if (on[uq]) run_start[uq] = s;
                    if (off[uq]) {
                        ++notes;
                        qualified += s - run_start[uq] >= static_cast<std::size_t>(o.qualified_min_steps);
                    }
                }
                prev = cur;
            }
            for (int q = 0; q < o.n_pitches; ++q) {  // runs reaching the bar's end end there
                const auto uq = static_cast<std::size_t>(q);
                if (prev[uq]) {
                    ++notes;
                    qualified += bar_len - run_start[uq] >= static_cast<std::size_t>(o.qualified_min_steps);
                }
            }
            std::array<std::uint64_t, 12> chroma_total{};
            std::uint64_t cells = 0;
            for (const auto& beat : bt.beat_chroma)
                for (std::size_t k = 0; k < 12; ++k) { chroma_total[k] += beat[k]; cells += beat[k]; }
            double in_scale = 0;
            int chroma_used = 0;
            for (std::size_t k = 0; k < 12; ++k) {
                in_scale += static_cast<double>(chroma_total[k]) * kScaleMask[k];
                chroma_used += chroma_total[k] > 0;
            }
            double best = 0;  // max over the shifts of the filter, starting from 0 as coded
            for (std::size_t i = 0; i < grid; ++i) {
                double score = 0;
                for (std::size_t s = 0; s < bar_len; ++s) score += filter[(s + bar_len - i) % bar_len] * onset_count[s];
                if (score > best) best = score;
            }
            record(UP, static_cast<double>(used.count()));
            record(QN, static_cast<double>(qualified) / static_cast<double>(notes));
            record(PP, static_cast<double>(poly_steps) / static_cast<double>(bar_len));
            record(IS, in_scale / static_cast<double>(cells));
            record(DP, best / static_cast<double>(onsets_total));
            record(UPC, chroma_used);
        }
        // TD on every bar; a beat where either track is silent is 0/0 = NaN, so the whole bar is NaN.
        for (int p = 0; p < kMuseganPairs; ++p) {
            const BarTrack& x = bar_tracks[static_cast<std::size_t>(kPairs[p][0])];
            const BarTrack& y = bar_tracks[static_cast<std::size_t>(kPairs[p][1])];
            double bar_sum = 0;
            bool defined = true;
            for (std::size_t beat = 0; beat < 4 && defined; ++beat) {
                double sx = 0, sy = 0;
                for (std::size_t k = 0; k < 12; ++k) { sx += x.beat_chroma[beat][k]; sy += y.beat_chroma[beat][k]; }
                if (sx == 0 || sy == 0) { defined = false; break; }
                double d2 = 0;
                for (const auto& row : tm) {
                    double cx = 0, cy = 0;
                    for (std::size_t k = 0; k < 12; ++k) {
                        cx += row[k] * (x.beat_chroma[beat][k] / sx);
                        cy += row[k] * (y.beat_chroma[beat][k] / sy);
                    }
                    d2 += (cx - cy) * (cx - cy);
                }
                bar_sum += std::sqrt(d2);
            }
            if (!defined) continue;
            r.pair_sum[p] += bar_sum / 4;
            ++r.pair_count[p];
        }
    }
    return pool_musegan({r});
}

MuseganResult pool_musegan(const std::vector<MuseganResult>& results) {
    MuseganResult out{};
    for (const auto& r : results) {
        out.n_bars += r.n_bars;
        for (int m = 0; m < kMuseganMetrics; ++m)
            for (int v = 0; v < kMuseganTracks; ++v) {
                out.track_sum[m][v] += r.track_sum[m][v];
                out.track_count[m][v] += r.track_count[m][v];
            }
        for (int p = 0; p < kMuseganPairs; ++p) {
            out.pair_sum[p] += r.pair_sum[p];
            out.pair_count[p] += r.pair_count[p];
        }
    }
    for (int m = 0; m < kMuseganMetrics; ++m)
        for (int v = 0; v < kMuseganTracks; ++v)
            out.track[m][v] = out.track_count[m][v] ? out.track_sum[m][v] / static_cast<double>(out.track_count[m][v]) : kNaN;
    for (int p = 0; p < kMuseganPairs; ++p)
        out.pair[p] = out.pair_count[p] ? out.pair_sum[p] / static_cast<double>(out.pair_count[p]) : kNaN;
    return out;
}

std::vector<ScopedValue> musegan_rows(const MuseganResult& r) {
    std::vector<ScopedValue> rows;
    rows.push_back({"song", "n_bars", MetricValue::count(static_cast<long long>(r.n_bars))});
    for (int m = 0; m < kMuseganMetrics; ++m)
        for (int v = 0; v < kMuseganTracks; ++v)
            if (kEvalMap[m][v]) rows.push_back({kTrackNames[v], kMetricNames[m], MetricValue::number(r.track[m][v])});
    for (int p = 0; p < kMuseganPairs; ++p)
        rows.push_back({musegan_pair_name(p), "metrics_harmonicity", MetricValue::number(r.pair[p])});
    return rows;
}

}  // namespace quintet::eval
