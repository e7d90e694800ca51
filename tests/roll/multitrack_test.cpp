#include <gtest/gtest.h>

#include "roll/multitrack.hpp"

using namespace quintet;

TEST(Multitrack, StepsIsLongestOfTracksTempoAndDownbeat) {
    Multitrack mt;
    mt.tracks.resize(2);
    mt.tracks[0].resize_steps(10);
    mt.tracks[1].resize_steps(4);
    EXPECT_EQ(mt.steps(), 10u);
    mt.tempo.assign(12, 120.0);
    EXPECT_EQ(mt.steps(), 12u);
}

TEST(Track, NnzAndEmptyCountNonZeroCells) {
    Track t;
    t.resize_steps(3);
    EXPECT_TRUE(t.empty());
    t.at(1, 60) = 100;
    t.at(2, 0) = 1;
    EXPECT_FALSE(t.empty());
    EXPECT_EQ(t.nnz(), 2u);
}
