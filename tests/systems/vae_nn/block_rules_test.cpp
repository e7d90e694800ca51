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

TEST(BlockRules, RepeatCopiesThePreviousBlockWithTheGivenChance) {
    // Chance 1 repeats every instrument that had notes, chance 0 none; an empty previous block is never copied.
    Blocks previous, now;
    previous.at(0, 1, 60) = 0.8f;
    now.at(0, 7, 30) = 0.8f;
    now.at(4, 7, 36) = 0.8f;
    auto r = plain_rules();
    r.repeat.fill(1.0);
    std::mt19937_64 rng(1);
    const float* before[5] = {previous.ptr[0], previous.ptr[1], previous.ptr[2], previous.ptr[3], previous.ptr[4]};
    repeat_blocks(now.ptr, before, r, rng);
    EXPECT_EQ(now.data[0], previous.data[0]);
    EXPECT_EQ(now.notes(4), 1);  // drums: nothing to repeat
    // With chance p, about p of many draws repeat (binomial, 4,000 draws: within 5 sd).
    r.repeat.fill(0.3);
    int copies = 0;
    for (int k = 0; k < 800; ++k) {
        Blocks fresh;
        for (int i = 0; i < 5; ++i) fresh.at(i, 0, 10) = 0.8f;
        Blocks last;
        for (int i = 0; i < 5; ++i) last.at(i, 1, 20) = 0.8f;
        const float* lp[5] = {last.ptr[0], last.ptr[1], last.ptr[2], last.ptr[3], last.ptr[4]};
        repeat_blocks(fresh.ptr, lp, r, rng);
        for (int i = 0; i < 5; ++i) copies += fresh.at(i, 1, 20) > 0;
    }
    EXPECT_NEAR(copies / 4000.0, 0.3, 5 * std::sqrt(0.3 * 0.7 / 4000));
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

TEST(SongPrior, CountsBandRepeatsAndPolyphonyOfHandMadeWindows) {
    // One song of three windows. Piano: window 0 and 1 equal (one repeat of the two pairs where it plays), a
    // 3-note chord on 10 of its 96 sounding steps, one note on the others. Guitar never plays.
    WindowSet set;
    set.spec = vae_window_spec();
    set.song = {0, 0, 0};
    set.index = {0, 1, 2};
    set.songs = 1;
    set.cells.assign(3 * set.spec.window_cells(), 0);
    auto cell = [&](int w, int i, int step, int pitch) -> std::uint8_t& {
        return set.window(w)[std::size_t(i) * 32 * 128 + std::size_t(step) * 128 + std::size_t(pitch)];
    };
    for (int w = 0; w < 3; ++w)
        for (int s = 0; s < 32; ++s) cell(w, 0, s, w == 2 ? 62 : 60) = 90;
    for (int s = 0; s < 10; ++s) cell(2, 0, s, 64) = cell(2, 0, s, 67) = 90;
    for (int s = 0; s < 4; ++s) cell(1, 4, s, 36) = 100;  // drums only in window 1: never a repeat
    const SongPrior p = measure_song_prior(set);
    EXPECT_TRUE(p.plays[0]);
    EXPECT_FALSE(p.plays[1]);
    EXPECT_TRUE(p.plays[4]);
    EXPECT_DOUBLE_EQ(p.repeat[0], 0.5);
    EXPECT_DOUBLE_EQ(p.repeat[4], 0.0);
    // 96 sounding steps, 10 with 3 notes: the 99th percentile (the 96th step in order) is 3.
    EXPECT_EQ(p.polyphony[0], 3);
    EXPECT_EQ(p.polyphony[4], 1);
}
