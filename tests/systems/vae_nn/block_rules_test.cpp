// The corpus rules of VAE-NN generation (issue 13) on hand-made blocks and windows.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "systems/vae_nn/block_rules.hpp"
#include "systems/vae_nn/model.hpp"
#include "systems/vae_nn/song_prior.hpp"

using namespace quintet;

namespace {

constexpr int kCells = 32 * 128;

struct Blocks {
    std::vector<std::vector<float>> data = std::vector<std::vector<float>>(5, std::vector<float>(kCells, 0.0f));
    float* ptr[5];
    Blocks() {
        for (int i = 0; i < 5; ++i) ptr[i] = data[std::size_t(i)].data();
    }
    float& at(int i, int step, int pitch) { return data[std::size_t(i)][std::size_t(step * 128 + pitch)]; }
    int notes(int i) const {
        int n = 0;
        for (float v : data[std::size_t(i)]) n += v > 0;
        return n;
    }
};

BlockRules plain_rules(float threshold = 0.5f) {
    BlockRules r;
    r.threshold.fill(threshold);
    return r;
}

}  // namespace

TEST(BlockRules, ThresholdBinarisesAndQuietensTheStrings) {
    Blocks b;
    b.at(0, 0, 60) = 0.7f;  // piano: kept, note value
    b.at(0, 0, 61) = 0.4f;  // below the threshold
    b.at(3, 5, 50) = 0.9f;  // strings: 0.8 * 0.75
    shape_blocks(b.ptr, plain_rules());
    EXPECT_FLOAT_EQ(b.at(0, 0, 60), 0.8f);
    EXPECT_EQ(b.at(0, 0, 61), 0.0f);
    EXPECT_FLOAT_EQ(b.at(3, 5, 50), 0.6f);
    EXPECT_EQ(b.notes(0), 1);
}

TEST(BlockRules, PolyphonyCapKeepsTheLoudestPitchesOfEachStep) {
    Blocks b;
    // Step 2: five pitches above the threshold; a cap of 3 keeps 0.95, 0.9 and the first of the two 0.8s.
    const float values[5] = {0.6f, 0.9f, 0.8f, 0.95f, 0.8f};
    for (int k = 0; k < 5; ++k) b.at(1, 2, 40 + k) = values[k];
    b.at(1, 3, 70) = 0.7f;  // another step, under the cap: untouched
    auto r = plain_rules();
    r.polyphony.fill(3);
    shape_blocks(b.ptr, r);
    EXPECT_EQ(b.at(1, 2, 40), 0.0f);
    EXPECT_GT(b.at(1, 2, 41), 0.0f);
    EXPECT_GT(b.at(1, 2, 42), 0.0f);
    EXPECT_GT(b.at(1, 2, 43), 0.0f);
    EXPECT_EQ(b.at(1, 2, 44), 0.0f);
    EXPECT_GT(b.at(1, 3, 70), 0.0f);
    EXPECT_EQ(b.notes(1), 4);
}

TEST(BlockRules, AnInstrumentTheCorpusNeverPlaysStaysSilent) {
    Blocks b;
    for (int c = 0; c < kCells; ++c) b.data[2][std::size_t(c)] = 0.99f;  // the bass decodes loud everywhere
    auto r = plain_rules(0.0f);
    r.silent[2] = true;
    shape_blocks(b.ptr, r);
    EXPECT_EQ(b.notes(2), 0);
}

TEST(BlockRules, RepeatCopiesABarFromTheDrawnDistanceIntoSoundingBarsOnly) {
    // Lag 2 always: bar 0 copies bar 2 of the previous block, bar 1 its bar 3, bar 2 this block's (new) bar 0,
    // bar 3 this block's bar 1. Bar 1 of the new block is silent and stays silent.
    Blocks previous, now;
    previous.at(0, 2 * 8, 60) = 0.8f;      // previous bar 2
    previous.at(0, 3 * 8 + 1, 62) = 0.8f;  // previous bar 3
    now.at(0, 0, 30) = 0.8f;               // bar 0
    now.at(0, 2 * 8, 31) = 0.8f;           // bar 2
    now.at(0, 3 * 8, 32) = 0.8f;           // bar 3
    auto r = plain_rules();
    r.repeat[0] = {0.0, 1.0, 0.0, 0.0};
    std::mt19937_64 rng(1);
    const float* before[5] = {previous.ptr[0], previous.ptr[1], previous.ptr[2], previous.ptr[3], previous.ptr[4]};
    BarRepeats log;
    repeat_bars(now.ptr, before, r, rng, log);
    EXPECT_GT(now.at(0, 0, 60), 0.0f);   // bar 0 = previous bar 2
    EXPECT_EQ(now.at(0, 0, 30), 0.0f);
    EXPECT_EQ(now.at(0, 8 + 1, 62), 0.0f);  // bar 1 was silent: stays silent
    EXPECT_GT(now.at(0, 16, 60), 0.0f);  // bar 2 = the new bar 0
    EXPECT_EQ(now.at(0, 16, 31), 0.0f);
    EXPECT_GT(now.at(0, 24, 32), 0.0f);  // bar 3 would copy bar 1, which is silent: it stays as decoded
    EXPECT_EQ(now.notes(0), 3);          // bars 0, 2 and the untouched 3
    ASSERT_EQ(log.copied_from().size(), 4u);  // what was copied, and from how far back
    EXPECT_EQ(log.copied_from()[0][0], 2);
    EXPECT_EQ(log.copied_from()[1][0], 0);
    EXPECT_EQ(log.copied_from()[2][0], 2);
    EXPECT_EQ(log.copied_from()[3][0], 0);
    // Every bar sounding: a bar copies unless all four draws miss, 1 - 0.9 * 0.9 * 0.95 * 0.95 = 0.269 of many
    // (binomial, within 5 sd).
    r.repeat.fill({0.1, 0.1, 0.05, 0.05});
    int copies = 0, bars = 0;
    for (int k = 0; k < 400; ++k) {
        Blocks last, fresh;
        for (int i = 0; i < 5; ++i)
            for (int bar = 0; bar < 4; ++bar) {
                last.at(i, bar * 8, 20 + bar) = 0.8f;
                fresh.at(i, bar * 8 + 1, 50 + bar) = 0.8f;
            }
        const float* lp[5] = {last.ptr[0], last.ptr[1], last.ptr[2], last.ptr[3], last.ptr[4]};
        repeat_bars(fresh.ptr, lp, r, rng, log);
        for (int i = 0; i < 5; ++i)
            for (int bar = 0; bar < 4; ++bar, ++bars) copies += fresh.at(i, bar * 8 + 1, 50 + bar) == 0.0f;
    }
    const double p = 1 - 0.9 * 0.9 * 0.95 * 0.95;
    EXPECT_NEAR(double(copies) / bars, p, 5 * std::sqrt(p * (1 - p) / bars));
}

TEST(BlockRules, CopyChanceCountsTheDecodersOwnRepeats) {
    BarRepeats log;
    EXPECT_DOUBLE_EQ(log.copy_chance(4, 1, 0.5), 0.5);  // nothing seen yet: the corpus's chance
    for (int k = 0; k < 6; ++k) log.compared(4, 1, k < 2);
    // own = 2 / (6 + 4) = 0.2; own + (1 - own) x copy = 0.5 -> copy = 0.3 / 0.8
    EXPECT_DOUBLE_EQ(log.copy_chance(4, 1, 0.5), 0.375);
    EXPECT_DOUBLE_EQ(log.copy_chance(4, 2, 0.5), 0.5);  // another lag, its own count
    EXPECT_DOUBLE_EQ(log.copy_chance(0, 1, 0.5), 0.5);  // another instrument
    for (int k = 0; k < 6; ++k) log.compared(4, 1, true);
    EXPECT_DOUBLE_EQ(log.copy_chance(4, 1, 0.5), 0.0);  // own = 8 / 16 already: no copies on top
}

TEST(BlockRules, ABarTheDecoderAlreadyRepeatedIsLeftAsItIs) {
    // The block before is silent. Bar 1 equals bar 0 as decoded; lag 2 would always copy, but the nearest equal
    // bar wins and nothing is copied there. Bars 2 and 3 differ from the bar before and copy the bar two back.
    Blocks previous, now;
    now.at(1, 0, 60) = 0.8f;
    now.at(1, 8, 60) = 0.8f;
    now.at(1, 16, 61) = 0.8f;
    now.at(1, 24, 62) = 0.8f;
    auto r = plain_rules();
    r.repeat[1] = {0.0, 1.0, 0.0, 0.0};
    std::mt19937_64 rng(3);
    const float* before[5] = {previous.ptr[0], previous.ptr[1], previous.ptr[2], previous.ptr[3], previous.ptr[4]};
    BarRepeats log;
    repeat_bars(now.ptr, before, r, rng, log);
    const std::array<int, 4> lags = {0, 0, 2, 2};
    for (int bar = 0; bar < 4; ++bar) {
        EXPECT_EQ(log.copied_from()[std::size_t(bar)][1], lags[std::size_t(bar)]) << "bar " << bar;
        EXPECT_GT(now.at(1, bar * 8, 60), 0.0f) << "bar " << bar;
    }
    EXPECT_EQ(now.notes(1), 4);
    // Bar 1's own repeat was counted: at lag 1 one equal of one compared, bars 2 and 3 not equal there.
    EXPECT_DOUBLE_EQ(log.copy_chance(1, 1, 0.5), (0.5 - 1.0 / 7.0) / (1 - 1.0 / 7.0));
}

TEST(BlockRules, SilenceWatchCallsBackAnInstrumentAfterItsQuietBlocks) {
    SilenceWatch watch(2);
    Blocks playing, quiet;
    playing.at(4, 0, 36) = 0.8f;  // drums play in the seed
    watch.see(playing.ptr);
    EXPECT_FALSE(watch.due(4));
    watch.see(quiet.ptr);
    EXPECT_FALSE(watch.due(4));
    watch.see(quiet.ptr);
    EXPECT_TRUE(watch.due(4));
    EXPECT_FALSE(watch.due(0));  // the piano never played: nothing to bring back
    watch.revived(4);
    EXPECT_FALSE(watch.due(4));
    EXPECT_FALSE(SilenceWatch(0).due(4));
}

TEST(SongPrior, CountsBandBarRepeatsAndPolyphonyOfHandMadeWindows) {
    // One song of three windows (12 bars of 8 steps). Piano: bars alternate A B A B ... from bar 0 to 7, then bars
    // 8-11 are C (louder, still C) D C E. Guitar never plays. Drums: bar 5 only.
    WindowSet set;
    set.spec = vae_window_spec();
    set.song = {0, 0, 0};
    set.index = {0, 1, 2};
    set.songs = 1;
    set.cells.assign(3 * set.spec.window_cells(), 0);
    auto cell = [&](int bar, int i, int step, int pitch) -> std::uint8_t& {
        const int w = bar / 4, s = (bar % 4) * 8 + step;
        return set.window(w)[std::size_t(i) * 32 * 128 + std::size_t(s) * 128 + std::size_t(pitch)];
    };
    for (int bar = 0; bar < 8; ++bar) cell(bar, 0, 0, bar % 2 == 0 ? 60 : 64) = 90;
    cell(8, 0, 2, 67) = 90;
    cell(9, 0, 2, 69) = 90;
    cell(10, 0, 2, 67) = 120;
    cell(11, 0, 3, 71) = 90;
    // A 3-note chord on 10 steps of bar 11; one note on the piano's other sounding steps.
    for (int s = 4; s < 8; ++s) cell(11, 0, s, 40) = cell(11, 0, s, 43) = cell(11, 0, s, 47) = 90;
    cell(5, 4, 0, 36) = 100;
    const SongPrior p = measure_song_prior(set);
    EXPECT_TRUE(p.plays[0]);
    EXPECT_FALSE(p.plays[1]);
    EXPECT_TRUE(p.plays[4]);
    // Piano bars 4..11 (8 bars with 4 sounding bars before them), asked lag by lag: every one is asked lag 1 and
    // none equals its neighbour; bars 4-7 and 10 equal the bar 2 back (bar 10 = bar 8, velocity aside): 5 of the
    // 8 asked at lag 2; bars 8, 9, 11 go on to lags 3 (no) and 4 (no).
    EXPECT_DOUBLE_EQ(p.repeat[0][0], 0.0);
    EXPECT_DOUBLE_EQ(p.repeat[0][1], 5.0 / 8);
    EXPECT_DOUBLE_EQ(p.repeat[0][2], 0.0);
    EXPECT_DOUBLE_EQ(p.repeat[0][3], 0.0);
    EXPECT_DOUBLE_EQ(p.repeat[4][1], 0.0);  // the one drum bar repeats nothing
    // Sounding piano steps: 8 + 1 + 1 + 1 + 1 + 4 (bar 11: pitch 71 at step 3, the chord at 4-7) = 16; four of them
    // have 3 notes: the 99th percentile (the 16th step in order) is 3.
    EXPECT_EQ(p.polyphony[0], 3);
    EXPECT_EQ(p.polyphony[4], 1);
}
