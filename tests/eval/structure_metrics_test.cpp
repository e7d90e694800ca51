// Instrument dropout and bar repetition (issue 13) on hand-made songs whose values are counted by hand,
// pooled over a set, and on real LPD-5 files against a naive cell-by-cell recomputation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <utility>

#include "eval/evaluation.hpp"
#include "eval/structure_metrics.hpp"
#include "roll/operations.hpp"
#include "support/shared_data.hpp"
#include "test_rolls.hpp"
#include "util/error.hpp"

#ifdef QUINTET_HAVE_ZIP
#include "io/npz/npz.hpp"
#endif

using namespace quintet;
using namespace quintet::eval;
using quintet::test::put_note;

namespace {

constexpr std::size_t kBar = 96;  // 4 beats at 24 steps per beat
enum { kDrums = 0, kPiano = 1, kGuitar = 2, kBass = 3, kStrings = 4 };

// A quarter note of `pitch` on beat `beat` (0..3) of bar `bar` (1-based).
void quarter(Multitrack& mt, int track, std::size_t bar, int pitch, std::size_t beat = 0) {
    put_note(mt.tracks[static_cast<std::size_t>(track)], pitch, (bar - 1) * kBar + beat * 24, 24);
}

const ScopedValue* row(const std::vector<ScopedValue>& rows, const std::string& scope, const std::string& metric) {
    for (const auto& r : rows)
        if (r.scope == scope && r.metric == metric) return &r;
    return nullptr;
}

const SummaryValue* find(const std::vector<SummaryValue>& v, const std::string& scope, const std::string& metric) {
    for (const auto& s : v)
        if (s.scope == scope && s.metric == metric) return &s;
    return nullptr;
}

}  // namespace

TEST(StructureMetrics, DropoutByHand) {
    auto mt = empty_lpd5(64 * kBar, 24);
    for (std::size_t b = 1; b <= 20; ++b) quarter(mt, kPiano, b, 60);   // stops after bar 20: dies
    for (std::size_t b = 1; b <= 64; ++b) quarter(mt, kGuitar, b, 64);  // plays on
    for (std::size_t b = 1; b <= 8; ++b) quarter(mt, kBass, b, 36);
    put_note(mt.tracks[kBass], 36, 29 * kBar, 4 * kBar + 10);  // held from bar 30 into bar 34: sounds, lives
    for (std::size_t b = 9; b <= 64; ++b) quarter(mt, kStrings, b, 72);  // starts at bar 9: not judged
    quarter(mt, kDrums, 1, 36);
    mt.tracks[kDrums].at(64 * kBar - 1, 38) = 100;  // one hit on the very last step of bar 64: lives

    const StructureResult r = structure_metrics(mt);
    EXPECT_EQ(r.bars, 64u);
    EXPECT_TRUE(r.judged_for_dropout);
    ASSERT_EQ(r.tracks.size(), 5u);
    EXPECT_TRUE(r.tracks[kPiano].plays_early);
    EXPECT_TRUE(r.tracks[kPiano].silent_late);
    EXPECT_FALSE(r.tracks[kGuitar].silent_late);
    EXPECT_FALSE(r.tracks[kBass].silent_late);
    EXPECT_FALSE(r.tracks[kStrings].plays_early);
    EXPECT_FALSE(r.tracks[kDrums].silent_late);

    const auto rows = structure_rows(mt, r);
    ASSERT_EQ(rows.size(), 15u);
    EXPECT_EQ(row(rows, "piano", "dropout")->value.value, 1.0);
    EXPECT_EQ(row(rows, "guitar", "dropout")->value.value, 0.0);
    EXPECT_EQ(row(rows, "bass", "dropout")->value.value, 0.0);
    EXPECT_EQ(row(rows, "drums", "dropout")->value.value, 0.0);
    EXPECT_TRUE(row(rows, "strings", "dropout")->value.is_nan());
}

TEST(StructureMetrics, OnlySongsReachingBar64AreJudgedForDropout) {
    for (const std::size_t steps : {63 * kBar, 63 * kBar + 1, 40 * kBar}) {
        auto mt = empty_lpd5(steps, 24);
        quarter(mt, kPiano, 1, 60);  // plays in bar 1, then nothing: dies if judged
        const StructureResult r = structure_metrics(mt);
        const bool reaches_bar_64 = steps > 63 * kBar;
        EXPECT_EQ(r.bars, reaches_bar_64 ? 64u : steps / kBar) << steps;
        EXPECT_EQ(r.judged_for_dropout, reaches_bar_64) << steps;
        const auto* v = row(structure_rows(mt, r), "piano", "dropout");
        if (reaches_bar_64)
            EXPECT_EQ(v->value.value, 1.0);
        else
            EXPECT_TRUE(v->value.is_nan()) << steps;
    }
}

TEST(StructureMetrics, AlternatingBarsRepeatEveryTwoBars) {
    auto mt = empty_lpd5(10 * kBar, 24);
    for (std::size_t b = 1; b <= 10; ++b) quarter(mt, kPiano, b, b % 2 ? 60 : 62);  // A B A B ...
    const TrackStructure t = structure_metrics(mt).tracks[kPiano];
    EXPECT_EQ(t.onset_bars, 10u);
    EXPECT_EQ(t.repeats_window, 8u);  // bars 3..10 equal the bar two back
    EXPECT_EQ(t.repeats_previous, 0u);
    const auto rows = structure_rows(mt, structure_metrics(mt));
    EXPECT_DOUBLE_EQ(row(rows, "piano", "bar_repeat_4")->value.value, 0.8);
    EXPECT_DOUBLE_EQ(row(rows, "piano", "bar_repeat_1")->value.value, 0.0);
    EXPECT_TRUE(row(rows, "guitar", "bar_repeat_4")->value.is_nan());  // no onset: undefined
}

TEST(StructureMetrics, StreamOfDifferentBarsNeverRepeats) {
    auto mt = empty_lpd5(12 * kBar, 24);
    for (std::size_t b = 1; b <= 12; ++b) quarter(mt, kGuitar, b, 50 + static_cast<int>(b));
    const TrackStructure t = structure_metrics(mt).tracks[kGuitar];
    EXPECT_EQ(t.onset_bars, 12u);
    EXPECT_EQ(t.repeats_window, 0u);
    EXPECT_EQ(t.repeats_previous, 0u);
}

TEST(StructureMetrics, DrumLoopRepeatsEveryBar) {
    auto mt = empty_lpd5(8 * kBar, 24);
    for (std::size_t b = 1; b <= 8; ++b) {
        for (std::size_t beat : {0u, 2u}) mt.tracks[kDrums].at((b - 1) * kBar + beat * 24, 36) = 100;
        for (std::size_t beat : {1u, 3u}) mt.tracks[kDrums].at((b - 1) * kBar + beat * 24, 38) = 100;
        for (std::size_t e = 0; e < 8; ++e) mt.tracks[kDrums].at((b - 1) * kBar + e * 12, 42) = 80;
    }
    const TrackStructure t = structure_metrics(mt).tracks[kDrums];
    EXPECT_EQ(t.onset_bars, 8u);
    EXPECT_EQ(t.repeats_window, 7u);
    EXPECT_EQ(t.repeats_previous, 7u);
}

TEST(StructureMetrics, WindowIsFourBarsBack) {
    // A B C D A: the last A is 4 bars after the first (counted); A B C D E A: 5 bars (not counted).
    for (const std::size_t gap : {4u, 5u}) {
        auto mt = empty_lpd5((gap + 1) * kBar, 24);
        for (std::size_t b = 1; b <= gap; ++b) quarter(mt, kBass, b, 30 + static_cast<int>(b));
        quarter(mt, kBass, gap + 1, 31);
        const TrackStructure t = structure_metrics(mt).tracks[kBass];
        EXPECT_EQ(t.onset_bars, gap + 1);
        EXPECT_EQ(t.repeats_window, gap == 4 ? 1u : 0u) << gap;
        EXPECT_EQ(t.repeats_previous, 0u);
    }
}

TEST(StructureMetrics, OnsetsOnTheEighthGridIgnoringLengthVelocityAndHeldNotes) {
    auto mt = empty_lpd5(5 * kBar, 24);
    Track& p = mt.tracks[kPiano];
    put_note(p, 60, 0, 12, 100);            // bar 1: C4 at step 0
    put_note(p, 60, kBar + 5, 48, 40);      // bar 2: step 5 is still the first 8th, longer and softer: equal
    put_note(p, 60, 2 * kBar + 12, 6);      // bar 3: the second 8th ...
    put_note(p, 64, 3 * kBar - 10, 40);     // ... and E4 on its last 8th, held into bar 4: bar 4 has no onset
    put_note(p, 60, 4 * kBar + 11, 1);      // bar 5: step 11 is the first 8th: equals bar 2 (3 back), not bar 4
    const TrackStructure t = structure_metrics(mt).tracks[kPiano];
    EXPECT_EQ(t.onset_bars, 4u);        // bars 1, 2, 3, 5
    EXPECT_EQ(t.repeats_previous, 1u);  // bar 2
    EXPECT_EQ(t.repeats_window, 2u);    // bars 2 and 5
}

TEST(StructureMetrics, EmptySong) {
    for (const std::size_t bars : {1u, 64u}) {
        const auto mt = empty_lpd5(bars * kBar, 24);
        const StructureResult r = structure_metrics(mt);
        EXPECT_EQ(r.bars, bars);
        EXPECT_EQ(r.judged_for_dropout, bars == 64);
        for (const auto& v : structure_rows(mt, r)) EXPECT_TRUE(v.value.is_nan()) << v.scope << " " << v.metric;
        SetEvaluator ev;
        ev.add("empty", mt);
        const auto s = ev.summary();
        EXPECT_TRUE(std::isnan(find(s, "piano", "dropout")->value));
        EXPECT_EQ(find(s, "piano", "dropout")->n, 0u);
        EXPECT_EQ(find(s, "drums", "bar_repeat_4")->n, 0u);
        EXPECT_EQ(find(s, "set", "dropout_songs")->value, bars == 64 ? 1.0 : 0.0);
    }
}

TEST(StructureMetrics, BadOptionsAreUsageErrors) {
    const auto mt = empty_lpd5(kBar, 24);
    StructureOptions o;
    o.late_last_bar = 10;  // before late_first_bar
    EXPECT_THROW(structure_metrics(mt, o), UsageError);
    o = {};
    o.steps_per_beat = 0;
    EXPECT_THROW(structure_metrics(mt, o), UsageError);
}

// Pooled over a set: dropout over the judged (song, track) pairs, repetition over all bars with an onset.
// The songs are written at 4 steps per beat, as a generator's coarse roll, and brought to 24 by the evaluator.
TEST(StructureMetrics, SetPoolsPairsAndBars) {
    auto song = [](std::size_t bars, std::size_t piano_until) {
        auto mt = empty_lpd5(bars * 16, 4);
        for (std::size_t b = 1; b <= piano_until; ++b) put_note(mt.tracks[kPiano], b % 2 ? 60 : 62, (b - 1) * 16, 4);
        return mt;
    };
    SetEvaluator ev;
    ev.add("dies", song(64, 20));     // judged, dies; 20 bars A B A B: 18 repeat within 4, 0 the previous bar
    ev.add("lives", song(64, 64));    // judged, lives; 64 bars: 62 repeats
    ev.add("short", song(32, 10));    // not judged (32 bars); 10 bars: 8 repeats
    const auto s = ev.summary();
    EXPECT_DOUBLE_EQ(find(s, "piano", "dropout")->value, 0.5);
    EXPECT_EQ(find(s, "piano", "dropout")->n, 2u);
    EXPECT_EQ(find(s, "set", "dropout_songs")->value, 2.0);
    EXPECT_EQ(find(s, "piano", "bar_repeat_4")->n, 94u);
    EXPECT_DOUBLE_EQ(find(s, "piano", "bar_repeat_4")->value, 88.0 / 94.0);
    EXPECT_DOUBLE_EQ(find(s, "piano", "bar_repeat_1")->value, 0.0);
    EXPECT_TRUE(std::isnan(find(s, "guitar", "dropout")->value));
    // The per-file rows say the same, song by song.
    std::size_t dropout_rows = 0;
    for (const auto& r : ev.rows())
        if (r.scope == "piano" && r.metric == "dropout") {
            ++dropout_rows;
            if (r.file == "dies") {
                EXPECT_EQ(r.value.value, 1.0);
            } else if (r.file == "lives") {
                EXPECT_EQ(r.value.value, 0.0);
            } else {
                EXPECT_TRUE(r.value.is_nan());
            }
        }
    EXPECT_EQ(dropout_rows, 3u);
    const std::string md = comparison_markdown(compare_sets(ev, ev));
    EXPECT_NE(md.find("| piano | dropout | 0.5 | 0.5 | 0 | mean over songs |"), std::string::npos) << md;
}

// The same notes at 4 and at 24 steps per beat (onsets off the 8th grid included) give the same values.
TEST(StructureMetrics, ResolutionDoesNotMatter) {
    auto at = [](int res) {
        const std::size_t bar = 4 * static_cast<std::size_t>(res), sixteenth = static_cast<std::size_t>(res) / 4;
        auto mt = empty_lpd5(66 * bar, res);
        for (std::size_t b = 0; b < 66; ++b) {
            if (b < 30) put_note(mt.tracks[kPiano], 60 + static_cast<int>(b % 3), b * bar + sixteenth * (b % 2), sixteenth);
            put_note(mt.tracks[kBass], 36, b * bar + 3 * sixteenth, 2 * sixteenth);  // the second 8th, off-beat 16th
        }
        return structure_rows(mt, structure_metrics(mt));
    };
    const auto coarse = at(4), fine = at(24);
    ASSERT_EQ(coarse.size(), fine.size());
    for (std::size_t i = 0; i < fine.size(); ++i) {
        EXPECT_EQ(coarse[i].metric, fine[i].metric);
        EXPECT_TRUE(coarse[i].value.value == fine[i].value.value || (coarse[i].value.is_nan() && fine[i].value.is_nan()))
            << fine[i].scope << " " << fine[i].metric;
    }
    EXPECT_EQ(row(fine, "piano", "dropout")->value.value, 1.0);
    // Piano: C C# D repeating, on the first 8th (16th offsets 0 and 1 share it): bar b equals bar b-3 from bar 4.
    EXPECT_DOUBLE_EQ(row(fine, "piano", "bar_repeat_4")->value.value, 27.0 / 30.0);
    EXPECT_DOUBLE_EQ(row(fine, "bass", "bar_repeat_1")->value.value, 65.0 / 66.0);
}

#ifdef QUINTET_HAVE_ZIP
namespace {
// The definitions again, cell by cell on the roll (an onset = a non-zero cell after a zero one of the same
// pitch), with sets of (position, pitch) per bar: no note list, no bit sets.
struct Naive {
    bool judged = false, dies = false;
    std::size_t onset_bars = 0, window = 0, previous = 0;
};
Naive naive(const Multitrack& mt, const Track& t) {
    const std::size_t res = static_cast<std::size_t>(mt.resolution), bar = 4 * res;
    const std::size_t bars = (mt.steps() + bar - 1) / bar;
    std::vector<std::set<std::pair<std::size_t, int>>> onsets(bars);
    for (std::size_t s = 0; s < t.steps(); ++s)
        for (int p = 0; p < kPitches; ++p)
            if (t.at(s, p) != 0 && (s == 0 || t.at(s - 1, p) == 0)) onsets[s / bar].insert({(s * 2 / res) % 8, p});
    Naive n;
    bool early = false, late_sound = false;
    for (std::size_t b = 0; b < std::min<std::size_t>(8, bars); ++b) early = early || !onsets[b].empty();
    for (std::size_t s = 32 * bar; s < std::min(64 * bar, t.steps()); ++s)
        for (int p = 0; p < kPitches; ++p) late_sound = late_sound || t.at(s, p) != 0;
    n.judged = bars >= 64 && early;
    n.dies = n.judged && !late_sound;
    for (std::size_t b = 0; b < bars; ++b) {
        if (onsets[b].empty()) continue;
        ++n.onset_bars;
        if (b >= 1 && onsets[b] == onsets[b - 1]) ++n.previous;
        bool any = false;
        for (std::size_t k = 1; k <= 4 && k <= b; ++k) any = any || onsets[b] == onsets[b - k];
        if (any) ++n.window;
    }
    return n;
}
}  // namespace

TEST(StructureMetrics, RealSongsMatchANaiveRecomputation) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(test::shared_data_dir() / "lpd5"))
        if (e.path().extension() == ".npz") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    ASSERT_GE(files.size(), 8u);
    std::size_t judged_pairs = 0, onset_bars = 0, repeats = 0;
    for (std::size_t i = 0; i < files.size(); i += 8) {  // every 8th file: 24 songs of all four sources
        const Multitrack mt = read_npz(files[i]);
        const StructureResult r = structure_metrics(mt);
        ASSERT_EQ(r.tracks.size(), mt.tracks.size());
        for (std::size_t t = 0; t < mt.tracks.size(); ++t) {
            const Naive n = naive(mt, mt.tracks[t]);
            const auto& got = r.tracks[t];
            const std::string where = files[i].filename().string() + " track " + std::to_string(t);
            EXPECT_EQ(r.judged_for_dropout && got.plays_early, n.judged) << where;
            EXPECT_EQ(got.silent_late && got.plays_early, n.dies) << where;
            EXPECT_EQ(got.onset_bars, n.onset_bars) << where;
            EXPECT_EQ(got.repeats_window, n.window) << where;
            EXPECT_EQ(got.repeats_previous, n.previous) << where;
            judged_pairs += n.judged;
            onset_bars += n.onset_bars;
            repeats += n.window;
        }
    }
    // The sample holds long songs and real repetition, so the comparison above is not between zeros.
    EXPECT_GT(judged_pairs, 0u);
    EXPECT_GT(repeats, 0u);
    EXPECT_LT(repeats, onset_bars);
}
#endif
