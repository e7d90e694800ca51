// Diversity and novelty on hand-made bars (Jaccard distance of active grid cells).
#include <gtest/gtest.h>

#include <cmath>

#include "eval/set_metrics.hpp"
#include "test_rolls.hpp"
#include "util/error.hpp"

using namespace quintet;
using namespace quintet::eval;
using quintet::test::make_track;
using quintet::test::put_note;

namespace {
// Resolution 4 (= the 16th grid), one track, 16 steps per bar.
Multitrack song(std::size_t steps, std::initializer_list<std::pair<int, std::size_t>> notes, int resolution = 4) {
    Multitrack mt;
    mt.resolution = resolution;
    Track t = make_track("Piano", false, steps);
    for (auto [pitch, start] : notes) put_note(t, pitch, start, 1);
    mt.tracks = {t};
    return mt;
}
}  // namespace

TEST(SetMetrics, DiversityByHand) {
    BarSet bars;
    bars.add(song(32, {{60, 0}, {62, 16}}));  // bars {C}, {D}
    bars.add(song(16, {{60, 0}, {64, 0}}));   // bar {C, E}
    ASSERT_EQ(bars.size(), 3u);
    // d({C},{D}) = 1, d({C},{C,E}) = 1 - 1/2, d({D},{C,E}) = 1.
    auto d = diversity(bars);
    EXPECT_DOUBLE_EQ(d.mean_pairwise_distance, 2.5 / 3.0);
    EXPECT_DOUBLE_EQ(d.distinct_bar_share, 1.0);
    EXPECT_EQ(d.pairs, 3u);
    bars.add(song(32, {{60, 0}, {62, 16}}));  // the same two bars again
    d = diversity(bars);
    EXPECT_DOUBLE_EQ(d.distinct_bar_share, 3.0 / 5.0);
}

TEST(SetMetrics, EmptyBarsAreSkippedAndSamplingKeepsTheMean) {
    BarSet bars;
    bars.add(song(64, {{60, 0}}));  // bars 1..3 empty
    EXPECT_EQ(bars.size(), 1u);
    EXPECT_TRUE(std::isnan(diversity(bars).mean_pairwise_distance));
    BarSet disjoint;
    for (int k = 0; k < 10; ++k) disjoint.add(song(16, {{40 + k, 0}}));
    DiversityOptions o;
    o.max_pairs = 7;  // fewer than the 45 pairs: sampled
    const auto d = diversity(disjoint, o);
    EXPECT_EQ(d.pairs, 7u);
    EXPECT_DOUBLE_EQ(d.mean_pairwise_distance, 1.0);
}

TEST(SetMetrics, NoveltyShowsCopies) {
    BarSet training, copy, fresh;
    training.add(song(32, {{60, 0}, {62, 16}}));
    copy.add(song(16, {{62, 0}}));
    fresh.add(song(16, {{60, 0}, {64, 0}}));
    auto n = novelty(copy, training);
    EXPECT_DOUBLE_EQ(n.mean_nearest_distance, 0.0);
    EXPECT_DOUBLE_EQ(n.copied_share, 1.0);
    n = novelty(fresh, training);
    EXPECT_DOUBLE_EQ(n.mean_nearest_distance, 0.5);
    EXPECT_DOUBLE_EQ(n.copied_share, 0.0);
    EXPECT_TRUE(std::isnan(novelty(fresh, BarSet{}).mean_nearest_distance));
}

TEST(SetMetrics, ResolutionsMeetOnTheGrid) {
    BarSet coarse, fine;
    Multitrack two = song(8, {}, 2);
    put_note(two.tracks[0], 60, 1, 1);  // an 8th note at 2 steps per beat: grid cells 2, 3
    coarse.add(two);
    Multitrack four = song(16, {});
    put_note(four.tracks[0], 60, 2, 2);  // the same 8th note at 4 steps per beat
    fine.add(four);
    EXPECT_DOUBLE_EQ(bar_distance(coarse, 0, fine, 0), 0.0);
    Multitrack other_tracks = two;
    other_tracks.tracks.push_back(two.tracks[0]);
    EXPECT_THROW(coarse.add(other_tracks), quintet::UsageError);
}

TEST(SetMetrics, LargeSetsKeepAUniformReproducibleSample) {
    // 1000 distinct one-note bars: bar k holds pitch 20 + k % 100 at grid step k / 100.
    BarGrid grid;
    grid.max_bars = 100;
    auto build = [&] {
        BarSet bars(grid);
        Multitrack mt = song(16 * 1000, {});
        for (std::size_t k = 0; k < 1000; ++k) put_note(mt.tracks[0], 20 + static_cast<int>(k % 100), 16 * k + k / 100, 1);
        bars.add(mt);
        return bars;
    };
    const BarSet a = build(), b = build();
    EXPECT_EQ(a.seen(), 1000u);
    ASSERT_EQ(a.size(), 100u);
    double mean_k = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a.cells(i), 1u);
        EXPECT_TRUE(std::equal(a.bar(i), a.bar(i) + a.words_per_bar(), b.bar(i)));  // same sample every time
        std::size_t bit = 0;
        while (!((a.bar(i)[bit / 64] >> (bit % 64)) & 1)) ++bit;
        mean_k += static_cast<double>((bit / 128) * 100 + (bit % 128 - 20));
    }
    mean_k /= 100;
    EXPECT_GT(mean_k, 350.0);  // a uniform sample of 0..999 has mean 499.5, sd of the mean ~29
    EXPECT_LT(mean_k, 650.0);
    EXPECT_EQ(diversity(a).bars, 100u);
    EXPECT_DOUBLE_EQ(diversity(a).distinct_bar_share, 1.0);
}
