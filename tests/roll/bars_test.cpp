#include <gtest/gtest.h>

#include "roll/bars.hpp"
#include "util/error.hpp"

using namespace quintet;

namespace {
Multitrack song(std::size_t steps, int resolution = 1) {
    Multitrack mt;
    mt.resolution = resolution;
    mt.downbeat.assign(steps, 0);
    return mt;
}
using Steps = std::vector<std::size_t>;
}  // namespace

TEST(Bars, NoDownbeatsMeansFourFourFromTheStart) {
    Multitrack mt = song(10);
    mt.downbeat.clear();
    Track t{"Piano", 0, false, {}};
    t.resize_steps(10);
    mt.tracks = {t};
    EXPECT_EQ(bar_start_steps(mt), (Steps{0, 4, 8}));
}

TEST(Bars, OneLpdStyleDownbeatIsContinuedInFourFour) {
    Multitrack mt = song(14);
    mt.downbeat[1] = 1;  // a one-beat pickup, then 4/4 to the end
    EXPECT_EQ(bar_start_steps(mt), (Steps{1, 5, 9, 13}));
    Multitrack late = song(20);
    late.downbeat[10] = 1;  // first mark after 10 beats: whole bars counted back from it
    EXPECT_EQ(bar_start_steps(late), (Steps{2, 6, 10, 14, 18}));
}

TEST(Bars, EveryMarkedBarIsKeptEvenInThreeFour) {
    Multitrack mt = song(12);
    for (std::size_t t : {0, 3, 6, 9}) mt.downbeat[t] = 1;
    EXPECT_EQ(bar_start_steps(mt), (Steps{0, 3, 6, 9}));
}

TEST(Bars, LongGapsBetweenMarksAreFilled) {
    Multitrack mt = song(30, 2);  // 2 steps per beat: a 4/4 bar is 8 steps, the fill threshold 12
    mt.downbeat[0] = 1;
    mt.downbeat[20] = 1;  // 10 beats later (a time-signature change in LPD)
    EXPECT_EQ(bar_start_steps(mt), (Steps{0, 8, 16, 20, 28}));
    mt.resolution = 0;
    EXPECT_THROW(bar_start_steps(mt), UsageError);
}
