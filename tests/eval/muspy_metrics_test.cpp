// Hand-computed MusPy cases (formulas: REFERENCE.md 2.4 and metrics-reference/README.md).
#include <gtest/gtest.h>

#include <cmath>

#include "eval/muspy_metrics.hpp"
#include "test_rolls.hpp"

using namespace quintet;
using namespace quintet::eval;
using quintet::test::make_track;
using quintet::test::put_note;

namespace {

// Resolution 4. Piano: C4+E4 over steps 0-3, G4 over 2-3, C5 at step 12. Drums: 36 at 0 and 4, 38 at 5.
Multitrack small_song() {
    Multitrack mt;
    mt.resolution = 4;
    Track drums = make_track("Drums", true, 13);
    put_note(drums, 36, 0, 1);
    put_note(drums, 36, 4, 1);
    put_note(drums, 38, 5, 1);
    Track piano = make_track("Piano", false, 13);
    put_note(piano, 60, 0, 4);
    put_note(piano, 64, 0, 4);
    put_note(piano, 67, 2, 2);
    put_note(piano, 72, 12, 1);
    mt.tracks = {drums, piano, make_track("Guitar", false, 0)};
    return mt;
}

}  // namespace

TEST(MuspyMetrics, SongScopeByHand) {
    const NoteMusic m = note_music(small_song());
    EXPECT_EQ(pitch_range(m).value, 12);  // 72 - 60, drums ignored
    EXPECT_TRUE(pitch_range(m).integer);
    EXPECT_EQ(n_pitches_used(m).value, 4);
    EXPECT_EQ(n_pitch_classes_used(m).value, 3);  // C, E, G
    // Length 13 (C5 ends at 13). Sounding steps 0-3 and 12 hold 2,2,3,3,1 pitches.
    EXPECT_DOUBLE_EQ(polyphony(m).value, 11.0 / 5.0);
    EXPECT_DOUBLE_EQ(polyphony_rate(m).value, 2.0 / 13.0);  // strictly more than 2 pitches
    EXPECT_DOUBLE_EQ(polyphony_rate(m, 1).value, 4.0 / 13.0);
    EXPECT_DOUBLE_EQ(pitch_in_scale_rate(m, 0, true).value, 1.0);
    EXPECT_DOUBLE_EQ(pitch_in_scale_rate(m, 6, true).value, 0.0);   // F# major has no C, E, G
    EXPECT_DOUBLE_EQ(pitch_in_scale_rate(m, 9, false).value, 1.0);  // A minor
    EXPECT_DOUBLE_EQ(pitch_in_scale_rate(m, 1, false).value, 0.25);  // C# minor (C#,D#,E,F#,G#,A,B): E only
    EXPECT_DOUBLE_EQ(scale_consistency(m).value, 1.0);
    EXPECT_DOUBLE_EQ(pitch_entropy(m).value, 2.0);         // four pitches, one note each
    EXPECT_DOUBLE_EQ(pitch_class_entropy(m).value, 1.5);   // C twice, E, G
    // Beats (4 steps): n = 13 // 4 + 1 = 4; notes touch beats 0, 1 (end 4 marks beat 1) and 3.
    EXPECT_DOUBLE_EQ(empty_beat_rate(m).value, 0.25);
    EXPECT_DOUBLE_EQ(empty_measure_rate(m, 8).value, 0.0);  // 2 measures, both touched
    EXPECT_DOUBLE_EQ(drum_in_pattern_rate(m, true).value, 1.0);         // res 4: every step is on the duple grid
    EXPECT_DOUBLE_EQ(drum_in_pattern_rate(m, false).value, 2.0 / 3.0);  // triple grid: step 0 only
    EXPECT_DOUBLE_EQ(drum_pattern_consistency(m).value, 1.0);
    // Measures of 4 steps: onsets {0,2}, {0,1}, {}, {0}: Hamming 2 + 2 + 1 = 5 over 4 * 3 positions.
    EXPECT_DOUBLE_EQ(groove_consistency(m, 4).value, 1.0 - 5.0 / 12.0);
}

TEST(MuspyMetrics, DrumOnlyAndEmptyScopes) {
    const Multitrack mt = small_song();
    const NoteMusic drums = note_music(mt, 0);
    EXPECT_EQ(pitch_range(drums).value, -127);  // as coded: highest 0 - lowest 127
    EXPECT_EQ(n_pitches_used(drums).value, 0);
    EXPECT_TRUE(polyphony(drums).is_nan());
    EXPECT_EQ(polyphony_rate(drums).value, 0.0);  // length 6 > 0, no pitched cell
    EXPECT_TRUE(scale_consistency(drums).is_nan());
    EXPECT_TRUE(pitch_entropy(drums).is_nan());
    EXPECT_DOUBLE_EQ(empty_beat_rate(drums).value, 0.0);  // n = 6 // 4 + 1 = 2 beats, both touched

    const NoteMusic empty = note_music(mt, 2);
    EXPECT_EQ(pitch_range(empty).value, 0);
    EXPECT_TRUE(empty_beat_rate(empty).is_nan());
    EXPECT_TRUE(polyphony_rate(empty).is_nan());
    EXPECT_TRUE(groove_consistency(empty, 16).is_nan());
    EXPECT_TRUE(drum_pattern_consistency(empty).is_nan());

    const NoteMusic piano = note_music(mt, 1);
    EXPECT_TRUE(drum_in_pattern_rate(piano, true).is_nan());
}

TEST(MuspyMetrics, NoTrackIsReportedAsTheOriginalsError) {
    NoteMusic none;
    const auto v = empty_beat_rate(none);
    EXPECT_FALSE(v.ok());
    EXPECT_EQ(v.raised, "ValueError");
    EXPECT_FALSE(groove_consistency(none, 96).ok());
    EXPECT_EQ(pitch_range(none).value, 0);
}

TEST(MuspyMetrics, TrueChromaCountsOctavesOnce) {
    Multitrack mt;
    mt.resolution = 24;
    Track piano = make_track("Piano", false, 24);
    put_note(piano, 60, 0, 24);  // C4
    put_note(piano, 72, 0, 24);  // C5
    mt.tracks = {piano};
    EXPECT_EQ(n_pitch_classes_used(note_music(mt)).value, 1);
    Track low = make_track("Piano", false, 24);
    put_note(low, 36, 0, 24);  // C2
    put_note(low, 37, 0, 24);  // C#2
    mt.tracks = {low};
    EXPECT_EQ(n_pitch_classes_used(note_music(mt)).value, 2);
}

TEST(MuspyMetrics, ListHasTheReferenceOrder) {
    const auto values = muspy_metrics(note_music(small_song()));
    ASSERT_EQ(values.size(), muspy_metric_names().size());
    for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(values[i].metric, muspy_metric_names()[i]);
    EXPECT_DOUBLE_EQ(values[10].value.value, 0.0);  // empty_measure_rate with 16-step measures: 1 measure, touched
}
