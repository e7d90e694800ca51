#include <gtest/gtest.h>

#include "models/vae_nn_model.hpp"
#include "roll/operations.hpp"
#include "support/tiny_store.hpp"
#include "train/window_data.hpp"

using namespace quintet;

namespace {
// A 5-track LPD-5 multitrack at resolution 2 with `steps` steps.
Multitrack lpd5(std::size_t steps) { return empty_lpd5(steps, 2); }
}  // namespace

TEST(WindowData, CutsNonOverlappingWindowsInVaeInstrumentOrder) {
    Multitrack mt = lpd5(32 * 2 + 17);      // two full windows and a partial one (dropped)
    mt.tracks[0].at(3, 36) = 100;           // drums, window 0
    mt.tracks[1].at(40, 60) = 127;          // piano, window 1, row 8
    mt.tracks[4].at(31, 70) = 64;           // strings, window 0, last row
    mt.tracks[3].at(70, 40) = 90;           // bass in the dropped partial window
    auto w = multitrack_windows(mt);
    ASSERT_EQ(w.sizes(), (std::vector<int64_t>{2, 5, 32, 128}));
    EXPECT_EQ(w[0][4][3][36].item<int>(), 100);  // drums are instrument 4
    EXPECT_EQ(w[1][0][8][60].item<int>(), 127);  // piano is instrument 0
    EXPECT_EQ(w[0][3][31][70].item<int>(), 64);  // strings are instrument 3
    EXPECT_EQ(w.sum().item<int64_t>(), 100 + 127 + 64);
    auto f = to_unit_float(w, torch::kCPU);
    EXPECT_FLOAT_EQ(f[1][0][8][60].item<float>(), 1.0f);
}

TEST(WindowData, ResamplesOtherResolutionsToTwoStepsPerBeat) {
    Multitrack mt = lpd5(24 * 16 * 2);  // 2 windows at resolution 24
    mt.resolution = 24;
    mt.tracks[2].at(24 * 17, 50) = 80;  // beat 17 -> step 34 = window 1, row 2
    mt.tracks[0].at(767, 36) = 1;       // keeps the song 64 steps long (trailing silence is dropped)
    auto w = multitrack_windows(mt);
    ASSERT_EQ(w.size(0), 2);
    EXPECT_EQ(w[1][1][2][50].item<int>(), 80);  // guitar is instrument 1
}

TEST(WindowData, StoreWindowsPairsAndCaps) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto store = CorpusStore::open(test::tiny_store(QUINTET_BINARY_DIR "/test-tmp/tiny.store"));
    auto train = store_windows(store, Split::Train);
    // Last active step + 1 of each song at 24 steps per beat (numpy on the npz files): 2298, 2593, 3438,
    // 3560 -> round((T - 1) / 12) + 1 = 192, 217, 287, 298 steps -> 6 + 6 + 8 + 9 windows.
    const std::int64_t expected = 29;
    EXPECT_EQ(train.size(), expected);
    EXPECT_EQ(train.songs, 4u);
    EXPECT_EQ(consecutive_pairs(train).size(), std::size_t(expected - 4));
    // The windows of one song equal cutting that song directly.
    auto direct = multitrack_windows(test::load_lpd5_at_resolution_2("mma__solo_solo"));
    std::vector<std::int64_t> rows;
    for (std::size_t w = 0; w < train.song.size(); ++w)
        if (store.song(std::size_t(train.song[w])).id == "mma__solo_solo") rows.push_back(std::int64_t(w));
    ASSERT_EQ(std::int64_t(rows.size()), direct.size(0));
    EXPECT_TRUE(torch::equal(train.rolls.index_select(0, torch::tensor(rows)), direct));
    auto capped = store_windows(store, Split::Train, 12, 7);
    EXPECT_LE(capped.size(), 12);
    EXPECT_GE(capped.size(), 6);
    for (auto [a, b] : consecutive_pairs(capped)) EXPECT_EQ(capped.song[a], capped.song[b]);
    auto counts = non_empty_counts(train);
    for (auto c : counts) EXPECT_GT(c, 0);  // every instrument plays somewhere in these songs
}
