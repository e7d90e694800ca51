// Hand-computed pypianoroll v1.0.4 cases, quirks included (metrics-reference/README.md).
#include <gtest/gtest.h>

#include <cmath>

#include "eval/pianoroll_metrics.hpp"
#include "test_rolls.hpp"

using namespace quintet;
using namespace quintet::eval;
using quintet::test::make_track;
using quintet::test::put_note;

namespace {
PianorollView view(const Track& t) { return pypianoroll_view(t); }
}  // namespace

TEST(PianorollMetrics, EmptyBeatRateIsTheNonEmptyShare) {
    Track t = make_track("Piano", false, 72);
    put_note(t, 60, 0, 10);  // beat 0 of 3
    EXPECT_DOUBLE_EQ(pr_empty_beat_rate(view(t), 24).value, 1.0 / 3.0);  // the empty share would be 2/3
    EXPECT_EQ(pr_empty_beat_rate(view(t), 48).raised, "ValueError");     // 72 steps do not reshape into 48
    EXPECT_TRUE(pr_empty_beat_rate(view(make_track("G", false, 72)), 24).is_nan());  // all-zero: (0,128) array
}

TEST(PianorollMetrics, BandChromaIsNotPitchClass) {
    Track octave = make_track("Piano", false, 24);
    put_note(octave, 60, 0, 24);  // C4: band 6
    put_note(octave, 72, 0, 24);  // C5: band 7
    EXPECT_EQ(pr_n_pitch_classes_used(view(octave)).value, 2);
    Track semitone = make_track("Piano", false, 24);
    put_note(semitone, 36, 0, 24);  // C2 and C#2 share band 3
    put_note(semitone, 37, 0, 24);
    EXPECT_EQ(pr_n_pitch_classes_used(view(semitone)).value, 1);
    EXPECT_EQ(pr_n_pitches_used(view(semitone)).value, 2);
    EXPECT_EQ(pr_pitch_range(view(octave)).value, 12);
    EXPECT_TRUE(pr_pitch_range(view(make_track("G", false, 24))).is_nan());
}

TEST(PianorollMetrics, TopPitchesWrapIntoEveryBand) {
    // Pitch 120 (velocity 200) is added onto pitch 10k of every band with uint8 wrap: 56 + 200 = 256 -> 0.
    Track t = make_track("Strings", false, 1);
    t.at(0, 0) = 56;
    t.at(0, 120) = 200;
    EXPECT_EQ(pr_n_pitch_classes_used(view(t)).value, 11);  // band 0 wrapped to zero, bands 1..11 hold 200
}

TEST(PianorollMetrics, InScaleRateWeighsVelocities) {
    Track t = make_track("Piano", false, 1);
    t.at(0, 50) = 100;  // band 5: in the rolled (C major) mask
    EXPECT_DOUBLE_EQ(pr_in_scale_rate(view(t)).value, 100.0);
    std::vector<std::uint8_t> binary(t.roll.size());
    for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = t.roll[i] != 0;
    EXPECT_DOUBLE_EQ(pr_in_scale_rate({binary.data(), 1, true}).value, 1.0);
    Track out = make_track("Piano", false, 1);
    out.at(0, 60) = 100;  // band 6: not in the mask
    EXPECT_DOUBLE_EQ(pr_in_scale_rate(view(out)).value, 0.0);
    EXPECT_TRUE(pr_in_scale_rate(view(make_track("G", false, 4))).is_nan());
}

TEST(PianorollMetrics, InScaleDenominatorCountsTheCellsChromaWroteInto) {
    // Pitch 121 alone: _to_chroma adds it onto pitch 10k+1 of the caller's array for all 12 bands, so every
    // band holds 100 (7 in the C major mask: 700) and count_nonzero, run afterwards, sees 12 + 1 cells.
    Track t = make_track("Strings", false, 1);
    t.at(0, 121) = 100;
    EXPECT_DOUBLE_EQ(pr_in_scale_rate(view(t)).value, 700.0 / 13.0);
}

TEST(PianorollMetrics, QualifiedNoteRateRaisesOnAnyNote) {
    Track t = make_track("Bass", false, 24);
    put_note(t, 40, 0, 12);
    const auto v = pr_qualified_note_rate(view(t));
    EXPECT_FALSE(v.ok());
    EXPECT_EQ(v.raised, "ValueError");
    EXPECT_TRUE(pr_qualified_note_rate(view(make_track("Bass", false, 24))).is_nan());
}

TEST(PianorollMetrics, PolyphonicRateCountsMoreThanThreshold) {
    Track t = make_track("Piano", false, 4);
    put_note(t, 60, 0, 4);
    put_note(t, 64, 0, 4);
    put_note(t, 67, 3, 1);
    EXPECT_DOUBLE_EQ(pr_polyphonic_rate(view(t)).value, 0.25);
    EXPECT_DOUBLE_EQ(pr_polyphonic_rate(view(t), 1).value, 1.0);
}

TEST(PianorollMetrics, DrumPatternOnlyBroadcastsOnOneBeat) {
    Track t = make_track("Drums", true, 24);
    t.at(0, 36) = 100;
    t.at(1, 38) = 100;
    EXPECT_DOUBLE_EQ(pr_drum_in_pattern_rate(view(t), 24).value, (1.0 + 0.1) / 2.0);
    Track longer = make_track("Drums", true, 48);
    longer.at(0, 36) = 100;
    EXPECT_EQ(pr_drum_in_pattern_rate(view(longer), 24).raised, "ValueError");
    EXPECT_EQ(pr_drum_in_pattern_rate(view(make_track("Drums", true, 0)), 24).raised, "ValueError");
    EXPECT_EQ(pr_drum_in_pattern_rate(view(t), 5).raised, "ValueError");
}

TEST(PianorollMetrics, TonalDistanceQuirks) {
    Track a = make_track("Piano", false, 24);
    Track b = make_track("Bass", false, 24);
    put_note(a, 60, 0, 24);
    put_note(b, 40, 0, 24);
    EXPECT_EQ(pr_tonal_distance(view(a), view(b), 24).raised, "ValueError");  // matmul core dimension 24 vs 12
    Track c = make_track("Bass", false, 12);
    put_note(c, 40, 0, 12);
    EXPECT_EQ(pr_tonal_distance(view(a), view(c), 12).raised, "AssertionError");
    // At resolution 12 it runs, contracting the tonal matrix over the steps of a beat. x: band 0 at step 0,
    // band 1 at steps 1..11; y: band 1 throughout. Only step 0 differs, by e0 - e1, so the mapped difference
    // is tm[:,0] in column 0 and -tm[:,0] in column 1; tm[:,0] = (0, 1, 0, 1, 0, 0.5): norm^2 = 2 * 2.25.
    Track x = make_track("Piano", false, 12), y = make_track("Bass", false, 12);
    x.at(0, 0) = 100;
    put_note(x, 10, 1, 11);
    put_note(y, 10, 0, 12);
    EXPECT_NEAR(pr_tonal_distance(view(x), view(y), 12).value, std::sqrt(4.5), 1e-12);
    Track gap = y;
    gap.at(5, 10) = 0;  // a silent step normalizes 0/0
    EXPECT_TRUE(std::isnan(pr_tonal_distance(view(x), view(gap), 12).value));
}

TEST(PianorollMetrics, RowsForAnLpd5Song) {
    auto mt = quintet::empty_lpd5(48, 24);
    put_note(mt.tracks[1], 60, 0, 30);
    mt.tracks[0].at(0, 36) = 90;
    const auto rows = pypianoroll_metrics(mt);
    ASSERT_EQ(rows.size(), 5u * 9 + 1 + 6);
    EXPECT_EQ(rows[0].scope, "Drums");
    EXPECT_EQ(rows[9].metric, "drum_in_pattern_rate");
    EXPECT_EQ(rows[10].scope, "Piano");
    EXPECT_EQ(rows[10].value.value, 48);  // n_time_steps
    EXPECT_EQ(rows[19].value.value, 0);   // Guitar is empty: loaded as (0, 128)
    EXPECT_EQ(rows.back().scope, "Bass-Strings");
    EXPECT_EQ(rows[46].scope, "Piano-Guitar");
}
