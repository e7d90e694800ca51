// Hand-computed MuseGAN v1 cases (REFERENCE.md 2.1; metrics-reference/README.md).
#include <gtest/gtest.h>

#include <cmath>

#include "eval/musegan_metrics.hpp"
#include "test_rolls.hpp"
#include "util/error.hpp"

using namespace quintet;
using namespace quintet::eval;
using quintet::test::put_note;

namespace {
enum { kBass = 0, kDrums = 1, kGuitar = 2, kPiano = 3, kStrings = 4 };   // v1 order
enum { kEB = 0, kUP, kQN, kPP, kIS, kDP, kUPC };
constexpr int kPianoStrings = 5;                                        // pair (3, 4)

// Two bars at 24 steps per beat. LPD order: 0 Drums, 1 Piano, 2 Guitar, 3 Bass, 4 Strings.
Multitrack two_bars() {
    auto mt = quintet::empty_lpd5(192, 24);
    put_note(mt.tracks[3], 36, 0, 48);  // bass C2, 48 steps
    put_note(mt.tracks[3], 37, 48, 1);  // bass C#2, 1 step
    put_note(mt.tracks[1], 60, 0, 192); // piano C4 + C5 over both bars (crossing the bar line)
    put_note(mt.tracks[1], 72, 0, 192);
    put_note(mt.tracks[4], 64, 0, 96);  // strings E4, bar 0
    for (int k = 0; k < 16; ++k) mt.tracks[0].at(6 * k, 36) = 100;  // 16th-note kicks in bar 0
    mt.tracks[0].at(3, 42) = 100;                                      // one hit off the grid
    return mt;
}

// Tonal centroid distance of two normalized chroma vectors with the float32 tonal matrix.
double centroid_distance(const double* x, const double* y) {
    double d2 = 0;
    const double angles[3] = {7.0 / 6.0, 3.0 / 2.0, 2.0 / 3.0}, radii[3] = {1, 1, 0.5};
    for (int c = 0; c < 3; ++c)
        for (int f = 0; f < 2; ++f) {
            double dx = 0;
            for (int k = 0; k < 12; ++k) {
                const double a = k * angles[c] * M_PI;
                dx += static_cast<float>(radii[c] * (f ? std::cos(a) : std::sin(a))) * (x[k] - y[k]);
            }
            d2 += dx * dx;
        }
    return std::sqrt(d2);
}
}  // namespace

TEST(MuseganMetrics, PitchClassModeByHand) {
    const auto r = musegan_metrics(two_bars());
    EXPECT_EQ(r.n_bars, 2u);
    EXPECT_DOUBLE_EQ(r.track[kEB][kBass], 0.5);
    EXPECT_DOUBLE_EQ(r.track[kEB][kGuitar], 1.0);
    EXPECT_DOUBLE_EQ(r.track[kEB][kPiano], 0.0);
    EXPECT_DOUBLE_EQ(r.track[kUP][kBass], 2.0);
    EXPECT_DOUBLE_EQ(r.track[kQN][kBass], 0.5);     // the 1-step note is not qualified
    EXPECT_DOUBLE_EQ(r.track[kQN][kPiano], 1.0);    // the long notes count once per bar
    EXPECT_DOUBLE_EQ(r.track[kPP][kPiano], 1.0);
    EXPECT_DOUBLE_EQ(r.track[kPP][kBass], 0.0);
    EXPECT_DOUBLE_EQ(r.track[kUPC][kBass], 2.0);    // C and C#
    EXPECT_DOUBLE_EQ(r.track[kUPC][kPiano], 1.0);   // C4 and C5 are one pitch class
    EXPECT_DOUBLE_EQ(r.track[kIS][kBass], 48.0 / 49.0);
    EXPECT_DOUBLE_EQ(r.track[kDP][kDrums], 16.0 / 17.0);
    EXPECT_TRUE(std::isnan(r.track[kUP][kGuitar]));
    EXPECT_TRUE(std::isnan(r.track[kDP][kBass]));   // not enabled in the v1 eval_map
    // Piano = C, strings = E on every beat of bar 0; bar 1 has no strings (NaN bar, left out).
    const double c[12] = {1}, e[12] = {0, 0, 0, 0, 1};
    EXPECT_NEAR(r.pair[kPianoStrings], centroid_distance(c, e), 1e-12);
    EXPECT_NEAR(r.pair[kPianoStrings], std::sqrt(3.75), 1e-6);  // float32 matrix
    EXPECT_TRUE(std::isnan(r.pair[0]));  // bass-guitar: guitar silent
}

TEST(MuseganMetrics, BandChromaModeReproducesTheV1Code) {
    MuseganOptions o;
    o.chroma = ChromaMode::Band;
    const auto r = musegan_metrics(two_bars(), o);
    EXPECT_DOUBLE_EQ(r.track[kUPC][kBass], 1.0);   // C2, C#2 = rows 12, 13: both band 1
    EXPECT_DOUBLE_EQ(r.track[kUPC][kPiano], 2.0);  // C4, C5 = rows 36, 48: bands 5 and 6
    EXPECT_DOUBLE_EQ(r.track[kIS][kBass], 0.0);    // band 1 is masked out
    EXPECT_DOUBLE_EQ(r.track[kUP][kBass], 2.0);    // UP does not use chroma
    const double piano[12] = {0, 0, 0, 0, 0, 0.5, 0.5}, strings[12] = {0, 0, 0, 0, 0, 1};  // E4 = row 40: band 5
    EXPECT_NEAR(r.pair[kPianoStrings], centroid_distance(piano, strings), 1e-12);
}

TEST(MuseganMetrics, OptionsAndCuts) {
    MuseganOptions o;
    o.qualified_min_steps = 49;  // now only... nothing in bar 0 of bass is that long
    auto r = musegan_metrics(two_bars(), o);
    EXPECT_DOUBLE_EQ(r.track[kQN][kBass], 0.0);
    EXPECT_DOUBLE_EQ(r.track[kQN][kPiano], 1.0);  // 96-step runs
    o = {};
    o.cut = BarCut::Phrases4;
    r = musegan_metrics(two_bars(), o);  // 2 bars < one 4-bar phrase
    EXPECT_EQ(r.n_bars, 0u);
    EXPECT_TRUE(std::isnan(r.track[kEB][kBass]));
    o.drum_tolerance = 1.0;
    o.cut = BarCut::Bars;
    r = musegan_metrics(two_bars(), o);
    EXPECT_DOUBLE_EQ(r.track[kDP][kDrums], 16.0 / 17.0);  // step 3 is 3 off the grid: never weighted
    const auto rows = musegan_rows(r);
    ASSERT_EQ(rows.size(), 34u);
    EXPECT_EQ(rows[0].metric, "n_bars");
    EXPECT_EQ(rows[1].scope, "bass");
    EXPECT_EQ(rows[1].metric, "metric_is_empty_bar");
    EXPECT_EQ(rows[28].scope, "bass-guitar");
    EXPECT_EQ(rows[33].scope, "piano-strings");
    Multitrack bad = two_bars();
    bad.resolution = 6;
    EXPECT_THROW(musegan_metrics(bad), quintet::UsageError);
    bad.tracks.pop_back();
    EXPECT_THROW(musegan_metrics(bad), quintet::UsageError);
}

TEST(MuseganMetrics, PoolingWeighsBars) {
    const auto a = musegan_metrics(two_bars());
    auto empty = quintet::empty_lpd5(96, 24);
    const auto b = musegan_metrics(empty);
    const auto p = pool_musegan({a, b});
    EXPECT_EQ(p.n_bars, 3u);
    EXPECT_DOUBLE_EQ(p.track[kEB][kBass], 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(p.track[kUP][kBass], 2.0);
}
