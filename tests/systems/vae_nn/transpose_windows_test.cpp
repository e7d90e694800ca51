// train vae --transpose: hand-made windows moved by hand-chosen shifts.
#include <gtest/gtest.h>

#include "systems/vae_nn/transpose_windows.hpp"
#include "util/error.hpp"

using namespace quintet;

TEST(TransposeWindows, MovesPitchedTracksDropsNotesPastTheEndsAndLeavesDrums) {
    auto w = torch::zeros({3, 5, 32, 128}, torch::kUInt8);
    for (int b = 0; b < 3; ++b) {
        w[b][0][0][60] = 100;   // piano C4
        w[b][2][5][126] = 90;   // bass near the top
        w[b][1][7][1] = 80;     // guitar near the bottom
        w[b][4][3][36] = 70;    // drums: a kick
    }
    auto out = transpose_windows(w, 3, torch::tensor({2, -3, 0}, torch::kLong));
    // window 0: up 2 -> piano 62, the bass at 126 + 2 falls off the top, guitar 3
    EXPECT_EQ(out[0][0][0][62].item<int>(), 100);
    EXPECT_EQ(out[0][0][0][60].item<int>(), 0);
    EXPECT_EQ(out[0][2].sum().item<int>(), 0);
    EXPECT_EQ(out[0][1][7][3].item<int>(), 80);
    // window 1: down 3 -> piano 57, bass 123, the guitar at 1 falls off the bottom
    EXPECT_EQ(out[1][0][0][57].item<int>(), 100);
    EXPECT_EQ(out[1][2][5][123].item<int>(), 90);
    EXPECT_EQ(out[1][1].sum().item<int>(), 0);
    // window 2: no shift; drums never move
    EXPECT_TRUE(out[2].equal(w[2]));
    for (int b = 0; b < 3; ++b) EXPECT_TRUE(out[b][4].equal(w[b][4]));
    EXPECT_EQ(out[0][0].sum().item<int>(), 100);  // nothing else appeared
    // range 0: the same tensor back; the input is never changed
    EXPECT_TRUE(transpose_windows(w, 0, torch::tensor({5, 5, 5}, torch::kLong)).equal(w));
    EXPECT_EQ(w[0][0][0][60].item<int>(), 100);
    EXPECT_THROW(transpose_windows(w, 3, torch::tensor({1}, torch::kLong)), UsageError);
}
