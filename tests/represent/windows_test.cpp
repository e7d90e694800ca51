// represent/windows: hand-built songs with known windows, a round trip back to the song, and the store path
// against cutting the same song directly.
#include <gtest/gtest.h>

#include "represent/windows.hpp"
#include "roll/operations.hpp"
#include "support/tiny_store.hpp"
#include "util/error.hpp"

using namespace quintet;

namespace {
// A 5-track LPD-5 multitrack at resolution 2 with `steps` steps.
Multitrack lpd5(std::size_t steps) { return empty_lpd5(steps, 2); }
// The VAE-NN's order: Piano, Guitar, Bass, Strings, Drums.
WindowSpec vae_spec() { return WindowSpec{2, 32, 32, {1, 2, 3, 4, 0}, 0, 128}; }
int cell(const WindowSet& s, std::int64_t w, int channel, int step, int pitch) {
    return s.window(w)[(std::size_t(channel) * s.spec.steps + std::size_t(step)) * s.spec.pitches + std::size_t(pitch)];
}
}  // namespace

TEST(Windows, CutsNonOverlappingWindowsInTheSpecsTrackOrder) {
    Multitrack mt = lpd5(32 * 2 + 17);      // two full windows and a partial one (dropped)
    mt.tracks[0].at(3, 36) = 100;           // drums, window 0
    mt.tracks[1].at(40, 60) = 127;          // piano, window 1, row 8
    mt.tracks[4].at(31, 70) = 64;           // strings, window 0, last row
    mt.tracks[3].at(70, 40) = 90;           // bass in the dropped partial window
    auto w = song_windows(mt, vae_spec());
    ASSERT_EQ(w.size(), 2);
    ASSERT_EQ(w.cells.size(), 2u * 5 * 32 * 128);
    EXPECT_EQ(cell(w, 0, 4, 3, 36), 100);  // drums are channel 4
    EXPECT_EQ(cell(w, 1, 0, 8, 60), 127);  // piano is channel 0
    EXPECT_EQ(cell(w, 0, 3, 31, 70), 64);  // strings are channel 3
    long sum = 0;
    for (auto v : w.cells) sum += v;
    EXPECT_EQ(sum, 100 + 127 + 64);
    EXPECT_EQ(w.index, (std::vector<std::int64_t>{0, 1}));
    EXPECT_EQ(consecutive_pairs(w).size(), 1u);
    EXPECT_EQ(non_empty_counts(w), (std::vector<std::int64_t>{1, 0, 0, 1, 1}));
}

TEST(Windows, ResamplesOtherResolutions) {
    Multitrack mt = lpd5(24 * 16 * 2);  // 2 windows at resolution 24
    mt.resolution = 24;
    mt.tracks[2].at(24 * 17, 50) = 80;  // beat 17 -> step 34 = window 1, row 2
    mt.tracks[0].at(767, 36) = 1;       // keeps the song 64 steps long (trailing silence is dropped)
    auto w = song_windows(mt, vae_spec());
    ASSERT_EQ(w.size(), 2);
    EXPECT_EQ(cell(w, 1, 1, 2, 50), 80);  // guitar is channel 1
}

TEST(Windows, StrideAndPitchRange) {
    Multitrack mt = lpd5(40);
    mt.tracks[1].at(39, 72) = 90;  // piano, last step
    mt.tracks[1].at(10, 20) = 50;  // below the range: not in any window
    WindowSpec spec{2, 8, 4, {1}, 60, 24};  // 8-step windows every 4 steps, pitches 60..83
    auto w = song_windows(mt, spec);
    ASSERT_EQ(w.size(), (40 - 8) / 4 + 1);  // 9
    EXPECT_EQ(cell(w, 8, 0, 7, 72 - 60), 90);  // window 8 starts at step 32
    EXPECT_EQ(consecutive_pairs(w).size(), 8u);
    long sum = 0;
    for (auto v : w.cells) sum += v;
    EXPECT_EQ(sum, 90);
    EXPECT_THROW(song_windows(mt, WindowSpec{2, 8, 4, {1}, 100, 40}), UsageError);  // 100 + 40 > 128
    EXPECT_THROW(song_windows(mt, WindowSpec{2, 0, 4, {1}, 0, 128}), UsageError);
    EXPECT_THROW(song_windows(mt, WindowSpec{2, 8, 4, {7}, 0, 128}), UsageError);
}

TEST(Windows, RoundTripGivesTheSongBack) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const Multitrack song = test::load_lpd5_at_resolution_2("mma__solo_solo");
    const auto w = song_windows(song, vae_spec());
    ASSERT_GT(w.size(), 1);
    const Multitrack back = windows_to_multitrack(w, 0, w.size());
    const std::size_t steps = std::size_t(w.size()) * 32;
    ASSERT_EQ(back.tracks.size(), 5u);
    for (int f = 0; f < 5; ++f) {
        const auto& a = song.tracks[std::size_t(f)].roll;
        const auto& b = back.tracks[std::size_t(f)].roll;
        ASSERT_EQ(b.size(), steps * kPitches);
        const std::size_t common = std::min(a.size(), b.size());
        EXPECT_TRUE(std::equal(b.begin(), b.begin() + std::ptrdiff_t(common), a.begin())) << "family " << f;
    }
    EXPECT_THROW(windows_to_multitrack(w, 1, w.size()), UsageError);
}

TEST(Windows, StoreWindowsPairsAndCaps) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto store = CorpusStore::open(test::tiny_store(QUINTET_BINARY_DIR "/test-tmp/tiny-windows.store"));
    auto train = store_windows(store, Split::Train, vae_spec());
    // Last active step + 1 of each song at 24 steps per beat (numpy on the npz files): 2298, 2593, 3438,
    // 3560 -> round((T - 1) / 12) + 1 = 192, 217, 287, 298 steps -> 6 + 6 + 8 + 9 windows.
    const std::int64_t expected = 29;
    EXPECT_EQ(train.size(), expected);
    EXPECT_EQ(train.songs, 4u);
    EXPECT_EQ(consecutive_pairs(train).size(), std::size_t(expected - 4));
    // The windows of one song equal cutting that song directly.
    auto direct = song_windows(test::load_lpd5_at_resolution_2("mma__solo_solo"), vae_spec());
    std::vector<std::int64_t> rows;
    for (std::size_t w = 0; w < train.song.size(); ++w)
        if (store.song(std::size_t(train.song[w])).id == "mma__solo_solo") rows.push_back(std::int64_t(w));
    ASSERT_EQ(std::int64_t(rows.size()), direct.size());
    for (std::size_t r = 0; r < rows.size(); ++r)
        EXPECT_TRUE(std::equal(direct.window(std::int64_t(r)), direct.window(std::int64_t(r)) + direct.spec.window_cells(),
                               train.window(rows[r])));
    auto capped = store_windows(store, Split::Train, vae_spec(), 12, 7);
    EXPECT_LE(capped.size(), 12);
    EXPECT_GE(capped.size(), 6);
    for (auto [a, b] : consecutive_pairs(capped)) EXPECT_EQ(capped.song[std::size_t(a)], capped.song[std::size_t(b)]);
    for (auto c : non_empty_counts(train)) EXPECT_GT(c, 0);  // every instrument plays somewhere in these songs
}
