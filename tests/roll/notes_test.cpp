#include <gtest/gtest.h>

#include "roll/notes.hpp"

using namespace quintet;

TEST(Notes, RunsOfNonZeroCellsBecomeNotesWithMeanVelocity) {
    Track t;
    t.resize_steps(8);
    t.at(0, 60) = 100; t.at(1, 60) = 50;          // one note, mean 75
    t.at(3, 60) = 10;                              // a second note after a gap
    t.at(2, 64) = 90; t.at(3, 64) = 90; t.at(4, 64) = 90; t.at(5, 64) = 91;  // mean 90.25 -> 90
    auto n = track_notes(t, 3);
    ASSERT_EQ(n.size(), 3u);
    EXPECT_EQ(n[0].pitch, 60); EXPECT_EQ(n[0].start, 0u); EXPECT_EQ(n[0].length, 2u); EXPECT_EQ(n[0].velocity, 75);
    EXPECT_EQ(n[1].pitch, 64); EXPECT_EQ(n[1].start, 2u); EXPECT_EQ(n[1].length, 4u); EXPECT_EQ(n[1].velocity, 90);
    EXPECT_EQ(n[2].pitch, 60); EXPECT_EQ(n[2].start, 3u); EXPECT_EQ(n[2].length, 1u); EXPECT_EQ(n[2].track, 3);
}

TEST(Notes, NoteRunningToTheEndIsClosed) {
    Track t;
    t.resize_steps(2);
    t.at(1, 127) = 1;
    auto n = track_notes(t);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].start, 1u);
    EXPECT_EQ(n[0].length, 1u);
}
