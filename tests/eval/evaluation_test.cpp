// The set evaluator, the comparison and the report texts, on small hand-made songs.
#include <gtest/gtest.h>

#include <cmath>

#include "eval/evaluation.hpp"
#include "test_rolls.hpp"

using namespace quintet;
using namespace quintet::eval;
using quintet::test::make_track;
using quintet::test::put_note;

namespace {
// One bar at 24 steps per beat: piano C4-E4-G4 chord for a beat, bass C2 for the bar, kicks on beats.
Multitrack chord_song() {
    auto mt = empty_lpd5(96, 24);
    for (int p : {60, 64, 67}) put_note(mt.tracks[1], p, 0, 24);
    put_note(mt.tracks[3], 36, 0, 96);
    for (int b = 0; b < 4; ++b) mt.tracks[0].at(24 * b, 36) = 100;
    return mt;
}

const SummaryValue* find(const std::vector<SummaryValue>& v, const std::string& scope, const std::string& metric) {
    for (const auto& s : v)
        if (s.scope == scope && s.metric == metric) return &s;
    return nullptr;
}
}  // namespace

TEST(Evaluation, RescaleKeepsNoteLengths) {
    Multitrack mt;
    mt.resolution = 2;
    Track t = make_track("Piano", false, 4);
    put_note(t, 60, 1, 1);
    put_note(t, 62, 2, 2);
    mt.tracks = {t};
    const Multitrack r = rescale_notes(mt, 24);
    EXPECT_EQ(r.resolution, 24);
    EXPECT_EQ(r.tracks[0].steps(), 48u);
    EXPECT_EQ(r.tracks[0].at(11, 60), 0);
    EXPECT_EQ(r.tracks[0].at(12, 60), 100);
    EXPECT_EQ(r.tracks[0].at(23, 60), 100);
    EXPECT_EQ(r.tracks[0].at(24, 60), 0);
    EXPECT_EQ(r.tracks[0].at(47, 62), 100);
}

TEST(Evaluation, NonLpd5InputIsMergedIntoFiveTracks) {
    Multitrack mt;
    mt.resolution = 24;
    Track bass = make_track("Fretless", false, 96, 35);
    put_note(bass, 40, 0, 10);
    mt.tracks = {bass};
    const Multitrack p = prepare_for_eval(mt);
    ASSERT_EQ(p.tracks.size(), 5u);
    EXPECT_EQ(p.tracks[3].at(5, 40), 100);
}

TEST(Evaluation, SetSummaryByHand) {
    SetEvaluator ev;
    ev.add("a.npz", chord_song());
    auto empty_piano = chord_song();
    std::fill(empty_piano.tracks[1].roll.begin(), empty_piano.tracks[1].roll.end(), 0);
    ev.add("b.npz", empty_piano);
    // Per song: 6 MusPy scopes x 14, 34 MuseGAN rows, 14 band-chroma rows (UPC, IS x 4 tracks, TD x 6 pairs),
    // 3 structure rows x 5 tracks (dropout, bar_repeat_4, bar_repeat_1).
    EXPECT_EQ(ev.rows().size(), 2u * (6 * 14 + 34 + 14 + 5 * 3));
    const auto s = ev.summary();
    // MusPy song pitch_range: 67 - 36 = 31 and 0 (bass alone: 36 - 36) -> mean 15.5.
    ASSERT_NE(find(s, "song", "pitch_range"), nullptr);
    EXPECT_DOUBLE_EQ(find(s, "song", "pitch_range")->value, 15.5);
    // piano polyphony: 3 in song a, undefined (NaN) in song b: mean over the one song where it is defined.
    EXPECT_DOUBLE_EQ(find(s, "piano", "polyphony")->value, 3.0);
    EXPECT_EQ(find(s, "piano", "polyphony")->n, 1u);
    // MuseGAN over the 2 bars: piano empty in one; UPC true = 3 (C, E, G), band: rows 36, 40, 43 -> bands 5, 5, 6.
    EXPECT_DOUBLE_EQ(find(s, "piano", "EB")->value, 0.5);
    EXPECT_DOUBLE_EQ(find(s, "piano", "UPC")->value, 3.0);
    EXPECT_DOUBLE_EQ(find(s, "piano", "UPC_band")->value, 2.0);
    EXPECT_DOUBLE_EQ(find(s, "drums", "DP")->value, 1.0);
    EXPECT_DOUBLE_EQ(find(s, "set", "bars")->value, 2.0);
    EXPECT_DOUBLE_EQ(find(s, "set", "distinct_bar_share")->value, 1.0);
}

TEST(Evaluation, ComparingASetWithItself) {
    SetEvaluator a, b;
    a.add("x", chord_song());
    b.add("x", chord_song());
    const auto c = compare_sets(a, b);
    ASSERT_FALSE(c.rows.empty());
    for (const auto& r : c.rows) {
        if (r.pooling == "novelty") continue;
        if (std::isfinite(r.generated)) {
            EXPECT_EQ(r.difference, 0.0) << r.scope << " " << r.metric;
        }
    }
    EXPECT_EQ(c.rows.back().metric, "copied_bar_share");
    EXPECT_DOUBLE_EQ(c.rows.back().generated, 1.0);
    EXPECT_DOUBLE_EQ(c.rows[c.rows.size() - 2].generated, 0.0);
    const std::string md = comparison_markdown(c), js = comparison_json(c);
    EXPECT_NE(md.find("| song | pitch_range | 31 | 31 | 0 |"), std::string::npos) << md;
    EXPECT_NE(js.find("\"metric\": \"TD_band\""), std::string::npos);
    EXPECT_NE(js.find("null"), std::string::npos);  // NaN (e.g. guitar metrics) as JSON null
    EXPECT_EQ(js.find("nan"), std::string::npos);
}

TEST(Evaluation, PerFileCsvShape) {
    SetEvaluator ev;
    ev.add("odd,name.npz", chord_song());
    const std::string csv = per_file_csv(ev.rows());
    EXPECT_EQ(csv.rfind("file,scope,metric,value\n", 0), 0u);
    EXPECT_NE(csv.find("\"odd,name.npz\",song,pitch_range,31\n"), std::string::npos);
    EXPECT_NE(csv.find(",bass,EB,0.0\n"), std::string::npos);
    EXPECT_NE(csv.find(",guitar,polyphony,nan\n"), std::string::npos);
}

TEST(Evaluation, WithoutRowsTheSummaryIsTheSame) {
    EvalOptions lean;
    lean.keep_rows = false;
    SetEvaluator full, small(lean);
    for (auto* ev : {&full, &small}) {
        ev->add("a", chord_song());
        ev->add("b", empty_lpd5(96, 24));
    }
    EXPECT_TRUE(small.rows().empty());
    EXPECT_FALSE(full.rows().empty());
    const auto x = full.summary(), y = small.summary();
    ASSERT_EQ(x.size(), y.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        EXPECT_EQ(x[i].metric, y[i].metric);
        EXPECT_TRUE(x[i].value == y[i].value || (std::isnan(x[i].value) && std::isnan(y[i].value))) << x[i].metric;
    }
    EXPECT_TRUE(std::isnan(find(SetEvaluator{}.summary(), "bass", "EB")->value));  // no bar: NaN, not 0
}
