// Piano-roll operations against hand-computed pypianoroll 1.x results.
#include "roll/operations.hpp"
#include "roll/notes.hpp"

#include <gtest/gtest.h>

#include "util/error.hpp"

namespace quintet {
namespace {

Track make_track(const std::string& name, int program, bool drum, std::size_t steps) {
    Track t{name, program, drum, {}};
    t.resize_steps(steps);
    return t;
}

Multitrack one_track(std::size_t steps, int resolution = 24) {
    Multitrack mt;
    mt.name = "song";
    mt.resolution = resolution;
    mt.tracks.push_back(make_track("lead", 0, false, steps));
    return mt;
}

// ---- set_resolution ----

TEST(SetResolution, QuarterNoteAt24BecomesTwoEighthSteps) {
    Multitrack mt = one_track(24);
    for (int t = 0; t < 12; ++t) mt.tracks[0].at(t, 60) = 100;
    set_resolution(mt, 2);
    // t*2/24 for t = 0..11: 0..5 and 6 (exactly 0.5, half to even) -> 0; 7..11 -> 1.
    ASSERT_EQ(mt.tracks[0].steps(), 2u);  // last active step + 1, trailing silence dropped
    EXPECT_EQ(mt.tracks[0].at(0, 60), 100);
    EXPECT_EQ(mt.tracks[0].at(1, 60), 100);
    EXPECT_EQ(mt.tracks[0].nnz(), 2u);
    EXPECT_EQ(mt.resolution, 2);
}

TEST(SetResolution, TiesRoundHalfToEvenAsNumpy) {
    Multitrack mt = one_track(48);
    mt.tracks[0].at(6, 40) = 1;   // 0.5 -> 0
    mt.tracks[0].at(18, 41) = 2;  // 1.5 -> 2
    mt.tracks[0].at(30, 42) = 3;  // 2.5 -> 2
    mt.tracks[0].at(42, 43) = 4;  // 3.5 -> 4
    set_resolution(mt, 2);
    ASSERT_EQ(mt.tracks[0].steps(), 5u);
    EXPECT_EQ(mt.tracks[0].at(0, 40), 1);
    EXPECT_EQ(mt.tracks[0].at(2, 41), 2);
    EXPECT_EQ(mt.tracks[0].at(2, 42), 3);
    EXPECT_EQ(mt.tracks[0].at(4, 43), 4);
    EXPECT_EQ(mt.tracks[0].nnz(), 4u);
}

TEST(SetResolution, LaterStepOverwritesEarlierNotMaximum) {
    Multitrack mt = one_track(24);
    mt.tracks[0].at(13, 64) = 90;  // 13/12 -> 1
    mt.tracks[0].at(14, 64) = 30;  // 14/12 -> 1, written later
    set_resolution(mt, 2);
    ASSERT_EQ(mt.tracks[0].steps(), 2u);
    EXPECT_EQ(mt.tracks[0].at(1, 64), 30);
}

TEST(SetResolution, SixteenthGridAndUpsampling) {
    Multitrack mt = one_track(24);
    mt.tracks[0].at(3, 50) = 7;   // 3*4/24 = 0.5 -> 0
    mt.tracks[0].at(9, 51) = 8;   // 1.5 -> 2
    mt.tracks[0].at(20, 52) = 9;  // 3.33 -> 3
    set_resolution(mt, 4);
    ASSERT_EQ(mt.tracks[0].steps(), 4u);
    EXPECT_EQ(mt.tracks[0].at(0, 50), 7);
    EXPECT_EQ(mt.tracks[0].at(2, 51), 8);
    EXPECT_EQ(mt.tracks[0].at(3, 52), 9);

    set_resolution(mt, 8);  // factor 2: steps 0, 2, 3 -> 0, 4, 6; the steps between stay silent
    ASSERT_EQ(mt.tracks[0].steps(), 7u);
    EXPECT_EQ(mt.tracks[0].at(0, 50), 7);
    EXPECT_EQ(mt.tracks[0].at(4, 51), 8);
    EXPECT_EQ(mt.tracks[0].at(6, 52), 9);
    EXPECT_EQ(mt.tracks[0].nnz(), 3u);
}

TEST(SetResolution, EmptyTrackStaysEmptyAndTempoDownbeatFollow) {
    Multitrack mt = one_track(24);
    mt.tracks.push_back(make_track("silent", 33, false, 24));
    mt.tempo.assign(24, 100.0);
    for (int t = 12; t < 24; ++t) mt.tempo[t] = 140.0;
    mt.downbeat.assign(24, 0);
    mt.downbeat[0] = 1;
    mt.downbeat[18] = 1;  // 1.5 -> 2 == new length: falls off the end
    mt.tracks[0].at(23, 70) = 5;
    set_resolution(mt, 2);
    EXPECT_EQ(mt.tracks[1].steps(), 0u);
    EXPECT_EQ(mt.tracks[0].steps(), 3u);  // 23/12 = 1.92 -> 2
    ASSERT_EQ(mt.tempo.size(), 2u);
    EXPECT_EQ(mt.tempo[0], 100.0);
    EXPECT_EQ(mt.tempo[1], 140.0);
    ASSERT_EQ(mt.downbeat.size(), 2u);
    EXPECT_EQ(mt.downbeat[0], 1);
    EXPECT_EQ(mt.downbeat[1], 0);
    pad_to_same(mt);
    EXPECT_EQ(mt.tracks[1].steps(), 3u);
}

TEST(SetResolution, SameResolutionStillCutsTrailingSilence) {
    Multitrack mt = one_track(10);
    mt.tracks[0].at(2, 5) = 9;
    set_resolution(mt, 24);  // pypianoroll: np.zeros((time[-1] + 1, 128)) even for factor 1
    ASSERT_EQ(mt.tracks[0].steps(), 3u);
    EXPECT_EQ(mt.tracks[0].at(2, 5), 9);
}

TEST(SetResolution, RejectsNonPositive) {
    Multitrack mt = one_track(4);
    EXPECT_THROW(set_resolution(mt, 0), UsageError);
    EXPECT_THROW(set_resolution(mt, -2), UsageError);
}

// ---- lengths ----

TEST(PadTrim, PadToSamePadsToLongestTrackIncludingEmpty) {
    Multitrack mt = one_track(5);
    mt.tracks.push_back(make_track("empty", 0, false, 0));
    mt.tracks.push_back(make_track("long", 0, false, 9));
    mt.tracks[2].at(8, 1) = 3;
    pad_to_same(mt);
    for (const auto& t : mt.tracks) EXPECT_EQ(t.steps(), 9u);
    EXPECT_EQ(mt.tracks[2].at(8, 1), 3);
}

TEST(PadTrim, PadToExtendsTempoWithLastValueAndNeverShrinks) {
    Multitrack mt = one_track(6);
    mt.tempo = {90.0, 91.0};
    mt.downbeat = {1};
    pad_to(mt, 4);
    EXPECT_EQ(mt.tracks[0].steps(), 6u);
    EXPECT_EQ(mt.tempo, (std::vector<double>{90.0, 91.0, 91.0, 91.0}));
    EXPECT_EQ(mt.downbeat, (std::vector<std::uint8_t>{1, 0, 0, 0}));
}

TEST(PadTrim, TrimKeepsHalfOpenRangeOfEveryArray) {
    Multitrack mt = one_track(6);
    mt.tracks[0].at(2, 10) = 1;
    mt.tracks[0].at(4, 11) = 2;
    mt.tempo = {1, 2, 3, 4, 5, 6};
    trim(mt, 2, 5);
    ASSERT_EQ(mt.tracks[0].steps(), 3u);
    EXPECT_EQ(mt.tracks[0].at(0, 10), 1);
    EXPECT_EQ(mt.tracks[0].at(2, 11), 2);
    EXPECT_EQ(mt.tempo, (std::vector<double>{3, 4, 5}));
    EXPECT_THROW(trim(mt, 3, 1), UsageError);
}

TEST(PadTrim, TrimTrailingSilenceUsesLastActiveStepOfAnyTrack) {
    Multitrack mt = one_track(10);
    mt.tracks.push_back(make_track("b", 0, false, 10));
    mt.tracks[0].at(3, 0) = 1;
    mt.tracks[1].at(6, 127) = 1;
    mt.tempo.assign(10, 120.0);
    trim_trailing_silence(mt);
    EXPECT_EQ(mt.tracks[0].steps(), 7u);
    EXPECT_EQ(mt.tracks[1].steps(), 7u);
    EXPECT_EQ(mt.tempo.size(), 7u);
}

// ---- values ----

TEST(Values, BinarizeAndClip) {
    Multitrack mt = one_track(1);
    mt.tracks[0].at(0, 0) = 10;
    mt.tracks[0].at(0, 1) = 50;
    mt.tracks[0].at(0, 2) = 120;
    Multitrack b = mt;
    binarize(b, 10, 1);
    EXPECT_EQ(b.tracks[0].at(0, 0), 0);  // not > threshold
    EXPECT_EQ(b.tracks[0].at(0, 1), 1);
    EXPECT_EQ(b.tracks[0].at(0, 2), 1);
    clip(mt, 20, 100);
    EXPECT_EQ(mt.tracks[0].at(0, 0), 20);
    EXPECT_EQ(mt.tracks[0].at(0, 1), 50);
    EXPECT_EQ(mt.tracks[0].at(0, 2), 100);
    EXPECT_EQ(mt.tracks[0].at(0, 3), 20);  // pypianoroll clips zeros too (np.clip)
    EXPECT_THROW(clip(mt, 5, 4), UsageError);
}

TEST(Values, TransposeSkipsDrumsAndDropsOutOfRange) {
    Multitrack mt = one_track(1);
    mt.tracks.push_back(make_track("drums", 0, true, 1));
    mt.tracks[0].at(0, 60) = 80;
    mt.tracks[0].at(0, 126) = 81;
    mt.tracks[0].at(0, 1) = 82;
    mt.tracks[1].at(0, 36) = 90;
    transpose(mt, 2);
    EXPECT_EQ(mt.tracks[0].at(0, 62), 80);
    EXPECT_EQ(mt.tracks[0].at(0, 3), 82);
    EXPECT_EQ(mt.tracks[0].nnz(), 2u);  // 126 + 2 = 128 fell off
    EXPECT_EQ(mt.tracks[1].at(0, 36), 90);
    transpose(mt, -3);
    EXPECT_EQ(mt.tracks[0].at(0, 59), 80);
    EXPECT_EQ(mt.tracks[0].at(0, 0), 82);  // 3 - 3 = 0 is still in range
    EXPECT_EQ(mt.tracks[0].nnz(), 2u);
    transpose(mt, -1);
    EXPECT_EQ(mt.tracks[0].nnz(), 1u);  // pitch 0 - 1 fell off
}

TEST(Values, CropPitchRangeZeroesOutside) {
    Multitrack mt = one_track(2);
    for (int p = 0; p < kPitches; ++p) mt.tracks[0].at(1, p) = 1;
    crop_pitch_range(mt, 24, 108);
    EXPECT_EQ(mt.tracks[0].nnz(), 84u);
    EXPECT_EQ(mt.tracks[0].at(1, 23), 0);
    EXPECT_EQ(mt.tracks[0].at(1, 24), 1);
    EXPECT_EQ(mt.tracks[0].at(1, 107), 1);
    EXPECT_EQ(mt.tracks[0].at(1, 108), 0);
    EXPECT_THROW(crop_pitch_range(mt, 10, 129), UsageError);
}

// ---- windows ----

TEST(Windows, NonOverlappingDropsPartialAndPadsShortTracks) {
    Multitrack mt = one_track(70, 2);
    mt.tracks.push_back(make_track("short", 32, false, 40));
    mt.tracks[0].at(0, 60) = 1;
    mt.tracks[0].at(33, 61) = 2;
    mt.tracks[0].at(69, 62) = 3;  // in the dropped partial window
    mt.tracks[1].at(39, 30) = 4;
    mt.tempo.assign(70, 120.0);
    mt.tempo[32] = 90.0;
    const auto windows = cut_windows(mt, 32);
    ASSERT_EQ(windows.size(), 2u);
    for (const auto& w : windows) {
        EXPECT_EQ(w.resolution, 2);
        ASSERT_EQ(w.tracks.size(), 2u);
        EXPECT_EQ(w.tracks[0].steps(), 32u);
        EXPECT_EQ(w.tracks[1].steps(), 32u);
        EXPECT_EQ(w.tempo.size(), 32u);
    }
    EXPECT_EQ(windows[0].tracks[0].at(0, 60), 1);
    EXPECT_EQ(windows[0].tracks[0].nnz(), 1u);
    EXPECT_EQ(windows[1].tracks[0].at(1, 61), 2);
    EXPECT_EQ(windows[1].tracks[1].at(7, 30), 4);
    EXPECT_EQ(windows[1].tracks[1].program, 32);
    EXPECT_EQ(windows[1].tempo[0], 90.0);
    EXPECT_THROW(cut_windows(mt, 0), UsageError);
    EXPECT_TRUE(cut_windows(mt, 71).empty());
}

// ---- LPD-5 families ----

TEST(Families, ProgramBoundaries) {
    EXPECT_EQ(family_of(0, true), Family::Drums);
    EXPECT_EQ(family_of(50, true), Family::Drums);
    EXPECT_EQ(family_of(0, false), Family::Piano);
    EXPECT_EQ(family_of(7, false), Family::Piano);
    EXPECT_EQ(family_of(8, false), Family::Strings);   // chromatic percussion
    EXPECT_EQ(family_of(23, false), Family::Strings);  // organ
    EXPECT_EQ(family_of(24, false), Family::Guitar);
    EXPECT_EQ(family_of(31, false), Family::Guitar);
    EXPECT_EQ(family_of(32, false), Family::Bass);
    EXPECT_EQ(family_of(39, false), Family::Bass);
    EXPECT_EQ(family_of(40, false), Family::Strings);
    EXPECT_EQ(family_of(95, false), Family::Strings);
    EXPECT_EQ(family_of(96, false), Family::Dropped);
    EXPECT_EQ(family_of(103, false), Family::Dropped);
    EXPECT_EQ(family_of(104, false), Family::Strings);
    EXPECT_EQ(family_of(111, false), Family::Strings);
    EXPECT_EQ(family_of(112, false), Family::Dropped);
    EXPECT_EQ(family_of(127, false), Family::Dropped);
    EXPECT_STREQ(family_name(Family::Strings), "Strings");
    EXPECT_EQ(family_program(Family::Bass), 32);
    EXPECT_EQ(family_program(Family::Strings), 48);
}

// LPD-5's layout (Dong et al. 2018; DESIGN.md: GM programs Piano 0, Guitar 24, Bass 32, Strings 48).
TEST(EmptyLpd5, FiveSilentTracksInLpdOrderWithGmPrograms) {
    const Multitrack mt = empty_lpd5(7, 2);
    EXPECT_EQ(mt.resolution, 2);
    EXPECT_EQ(mt.name, "");
    EXPECT_TRUE(mt.tempo.empty());
    EXPECT_TRUE(mt.downbeat.empty());
    ASSERT_EQ(mt.tracks.size(), 5u);
    const char* names[] = {"Drums", "Piano", "Guitar", "Bass", "Strings"};
    const int programs[] = {0, 0, 24, 32, 48};
    for (int f = 0; f < 5; ++f) {
        SCOPED_TRACE(names[f]);
        EXPECT_EQ(mt.tracks[f].name, names[f]);
        EXPECT_EQ(mt.tracks[f].program, programs[f]);
        EXPECT_EQ(mt.tracks[f].is_drum, f == 0);
        EXPECT_EQ(mt.tracks[f].roll, std::vector<std::uint8_t>(7 * 128, 0));
    }
    EXPECT_EQ(mt.steps(), 7u);
    const Multitrack none = empty_lpd5(0, 24);
    ASSERT_EQ(none.tracks.size(), 5u);
    for (const Track& t : none.tracks) EXPECT_TRUE(t.roll.empty());
    EXPECT_EQ(none.resolution, 24);
}

TEST(MergeLpd5, FiveTracksMaxVelocityDroppedFamiliesIgnored) {
    Multitrack mt;
    mt.name = "m";
    mt.resolution = 24;
    mt.tempo.assign(12, 120.0);  // the song is 12 steps long even though tracks are shorter
    mt.tracks.push_back(make_track("p1", 0, false, 4));
    mt.tracks.push_back(make_track("p2", 5, false, 6));
    mt.tracks.push_back(make_track("kit", 0, true, 3));
    mt.tracks.push_back(make_track("fx", 100, false, 4));
    mt.tracks.push_back(make_track("banjo", 105, false, 4));
    mt.tracks.push_back(make_track("violin", 40, false, 4));
    mt.tracks[0].at(1, 60) = 50;
    mt.tracks[1].at(1, 60) = 70;  // max(50, 70)
    mt.tracks[1].at(5, 61) = 20;
    mt.tracks[2].at(0, 36) = 99;
    mt.tracks[3].at(0, 80) = 127;  // dropped
    mt.tracks[4].at(2, 62) = 10;
    mt.tracks[5].at(2, 62) = 8;    // max(10, 8)
    const Multitrack out = merge_lpd5(mt);
    ASSERT_EQ(out.tracks.size(), 5u);
    const char* names[] = {"Drums", "Piano", "Guitar", "Bass", "Strings"};
    for (int f = 0; f < 5; ++f) {
        EXPECT_EQ(out.tracks[f].name, names[f]);
        EXPECT_EQ(out.tracks[f].steps(), 12u);
        EXPECT_EQ(out.tracks[f].is_drum, f == 0);
    }
    EXPECT_EQ(out.tracks[0].at(0, 36), 99);
    EXPECT_EQ(out.tracks[0].nnz(), 1u);
    EXPECT_EQ(out.tracks[1].at(1, 60), 70);
    EXPECT_EQ(out.tracks[1].at(5, 61), 20);
    EXPECT_EQ(out.tracks[1].nnz(), 2u);
    EXPECT_TRUE(out.tracks[2].empty());
    EXPECT_TRUE(out.tracks[3].empty());
    EXPECT_EQ(out.tracks[4].at(2, 62), 10);
    EXPECT_EQ(out.tracks[4].nnz(), 1u);
    EXPECT_EQ(out.tracks[4].program, 48);
    EXPECT_EQ(out.tempo.size(), 12u);
    EXPECT_EQ(out.resolution, 24);
}

}  // namespace
}  // namespace quintet

namespace quintet {

// ---- strike_drums ----

TEST(StrikeDrums, ARunOfDrumCellsBecomesOneHitPerCellAndPitchedNotesKeepTheirLength) {
    // 2 steps per beat: a kick held over steps 0-3 (four 8th-note hits), a piano note over steps 1-2.
    Multitrack mt = one_track(4, 2);
    mt.tracks[0].at(1, 60) = mt.tracks[0].at(2, 60) = 90;
    mt.tracks.push_back(make_track("drums", 0, true, 4));
    for (std::size_t s = 0; s < 4; ++s) mt.tracks[1].at(s, 36) = 100;
    mt.tempo = {120, 120, 90, 90};
    mt.downbeat = {1, 0, 0, 0};
    strike_drums(mt);
    EXPECT_EQ(mt.resolution, 4);
    EXPECT_EQ(mt.tempo, (std::vector<double>{120, 120, 120, 120, 90, 90, 90, 90}));
    EXPECT_EQ(mt.downbeat, (std::vector<std::uint8_t>{1, 0, 0, 0, 0, 0, 0, 0}));
    const auto kicks = track_notes(mt.tracks[1], 1);
    ASSERT_EQ(kicks.size(), 4u);
    for (std::size_t k = 0; k < 4; ++k) {
        EXPECT_EQ(kicks[k].start, 2 * k);
        EXPECT_EQ(kicks[k].length, 1u);
        EXPECT_EQ(kicks[k].velocity, 100);
    }
    const auto piano = track_notes(mt.tracks[0], 0);
    ASSERT_EQ(piano.size(), 1u);
    EXPECT_EQ(piano[0].start, 2u);   // step 1 at 2 per beat = step 2 at 4 per beat
    EXPECT_EQ(piano[0].length, 4u);  // the same quarter note
}

// ---- fold_resolution ----

TEST(FoldResolution, StruckDrumsAndAFinerGridComeBackToTheCoarseCellsLoudestFirst) {
    // The strike_drums song above folds back to its 2-steps-per-beat cells exactly.
    Multitrack mt = one_track(4, 2);
    mt.tracks[0].at(1, 60) = mt.tracks[0].at(2, 60) = 90;
    mt.tracks.push_back(make_track("drums", 0, true, 4));
    for (std::size_t s = 0; s < 4; ++s) mt.tracks[1].at(s, 36) = 100;
    mt.tempo = {120, 120, 90, 90};
    mt.downbeat = {1, 0, 0, 0};
    const Multitrack coarse = mt;
    strike_drums(mt);
    fold_resolution(mt, 2);
    EXPECT_EQ(mt.resolution, 2);
    EXPECT_EQ(mt.tempo, coarse.tempo);
    EXPECT_EQ(mt.downbeat, coarse.downbeat);
    for (int t = 0; t < 2; ++t) EXPECT_EQ(mt.tracks[std::size_t(t)].roll, coarse.tracks[std::size_t(t)].roll) << t;
    // 6 steps per beat to 2: each coarse cell is the loudest of its three; a trailing part cell still counts.
    Multitrack fine = one_track(7, 6);
    fine.tracks[0].at(0, 50) = 40;
    fine.tracks[0].at(2, 50) = 70;
    fine.tracks[0].at(4, 51) = 20;
    fine.tracks[0].at(6, 52) = 30;
    fold_resolution(fine, 2);
    ASSERT_EQ(fine.tracks[0].steps(), 3u);
    EXPECT_EQ(fine.tracks[0].at(0, 50), 70);
    EXPECT_EQ(fine.tracks[0].at(1, 51), 20);
    EXPECT_EQ(fine.tracks[0].at(1, 50), 0);
    EXPECT_EQ(fine.tracks[0].at(2, 52), 30);
    Multitrack odd = one_track(4, 4);
    EXPECT_THROW(fold_resolution(odd, 3), UsageError);
    EXPECT_THROW(fold_resolution(odd, 0), UsageError);
}

}  // namespace quintet
