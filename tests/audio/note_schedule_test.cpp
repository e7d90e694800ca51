#include <gtest/gtest.h>

#include <algorithm>

#include "io/audio/note_schedule.hpp"
#include "util/error.hpp"

using namespace quintet;

namespace {
Track make_track(const char* name, int program, bool drum, std::size_t steps) {
    Track t{name, program, drum, {}};
    t.resize_steps(steps);
    return t;
}
}  // namespace

TEST(NoteSchedule, StepTimesFollowTheTempoArray) {
    Multitrack mt;
    mt.resolution = 2;
    mt.tracks = {make_track("Piano", 0, false, 6)};
    // No tempo: 120 bpm, 2 steps per beat -> 0.25 s per step.
    auto s = step_start_seconds(mt);
    ASSERT_EQ(s.size(), 7u);
    EXPECT_DOUBLE_EQ(s[6], 1.5);
    // 60 bpm for two steps (0.5 s each), then 120 (0.25 s), then a zero entry holds 120.
    mt.tempo = {60, 60, 120, 120, 0};
    s = step_start_seconds(mt);
    EXPECT_DOUBLE_EQ(s[2], 1.0);
    EXPECT_DOUBLE_EQ(s[4], 1.5);
    EXPECT_DOUBLE_EQ(s[6], 2.0);
    mt.resolution = 0;
    EXPECT_THROW(step_start_seconds(mt), UsageError);
}

TEST(NoteSchedule, DrumsGoToChannelNineOthersSkipIt) {
    Multitrack mt;
    for (int i = 0; i < 11; ++i) mt.tracks.push_back(make_track("p", i, false, 1));
    mt.tracks.insert(mt.tracks.begin(), make_track("Drums", 0, true, 1));
    const auto plan = assign_channels(mt);
    EXPECT_EQ(plan[0].channel, 9);
    EXPECT_TRUE(plan[0].is_drum);
    std::vector<int> ch;
    for (std::size_t i = 1; i < plan.size(); ++i) ch.push_back(plan[i].channel);
    EXPECT_EQ(ch, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11}));
    EXPECT_EQ(channels_needed(plan), 16);
    // Tracks repeating a program share its channel.
    mt.tracks.push_back(make_track("again", 3, false, 1));
    EXPECT_EQ(assign_channels(mt).back().channel, 3);
    // 21 distinct programs: channels 0-8, 10-15, then 16-21.
    for (int i = 11; i < 21; ++i) mt.tracks.push_back(make_track("p", i, false, 1));
    const auto big = assign_channels(mt);
    EXPECT_EQ(big.back().channel, 21);
    EXPECT_EQ(channels_needed(big), 32);
    // Any number of tracks fits FluidSynth's 256 channels: 128 programs need channels up to 135.
    Multitrack all;
    for (int k = 0; k < 1000; ++k) all.tracks.push_back(make_track("p", k % 128, k % 7 == 0, 1));
    int top = 0;
    for (const auto& a : assign_channels(all)) top = std::max(top, a.channel);
    EXPECT_EQ(top, 135);
    EXPECT_EQ(channels_needed(assign_channels(all)), 144);
}

TEST(NoteSchedule, NoteOnsAndOffsAtTheRightFrames) {
    Multitrack mt;
    mt.resolution = 4;  // 120 bpm: 0.125 s per step
    Track piano = make_track("Piano", 0, false, 16);
    for (std::size_t t = 8; t < 12; ++t) piano.at(t, 60) = 100;   // 1.0 .. 1.5 s
    for (std::size_t t = 12; t < 14; ++t) piano.at(t, 60) = 50;   // same key again right after: cut, then retrigger
    Track drums = make_track("Drums", 0, true, 16);
    drums.at(2, 36) = 90;  // 0.25 s, held the minimum 0.3 s
    mt.tracks = {piano, drums};
    const auto ev = schedule_notes(mt, assign_channels(mt), 1000);
    // Runs of non-zero cells are single notes: 8..13 is one note (velocity: mean of 4x100 and 2x50, rounded).
    ASSERT_EQ(ev.size(), 4u);
    EXPECT_EQ(ev[0].frame, 250);
    EXPECT_TRUE(ev[0].note_on);
    EXPECT_EQ(ev[0].channel, 9);
    EXPECT_EQ(ev[0].key, 36);
    EXPECT_EQ(ev[1].frame, 550);  // 0.25 + 0.3
    EXPECT_FALSE(ev[1].note_on);
    EXPECT_EQ(ev[2].frame, 1000);
    EXPECT_EQ(ev[2].channel, 0);
    EXPECT_EQ(ev[2].velocity, 83);
    EXPECT_EQ(ev[3].frame, 1750);
}

TEST(NoteSchedule, RepeatedKeyIsReleasedBeforeItStrikesAgain) {
    Multitrack mt;
    mt.resolution = 4;
    Track drums = make_track("Drums", 0, true, 16);
    drums.at(0, 38) = 100;
    drums.at(1, 38) = 0;
    drums.at(2, 38) = 100;  // 0.25 s later: the 0.3 s minimum would overlap, so it is cut at 0.25 s
    Track more = make_track("Drums 2", 0, true, 16);
    more.at(2, 38) = 120;   // a second drum track striking the same key at the same time: one note
    mt.tracks = {drums, more};
    const auto ev = schedule_notes(mt, assign_channels(mt), 1000);
    ASSERT_EQ(ev.size(), 4u);
    EXPECT_TRUE(ev[0].note_on);
    EXPECT_EQ(ev[0].frame, 0);
    EXPECT_FALSE(ev[1].note_on);  // off before on at 250
    EXPECT_EQ(ev[1].frame, 250);
    EXPECT_TRUE(ev[2].note_on);
    EXPECT_EQ(ev[2].frame, 250);
    EXPECT_EQ(ev[2].velocity, 120);
    EXPECT_EQ(ev[3].frame, 550);
}
