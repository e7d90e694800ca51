#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "io/image/bitmap_font.hpp"
#include "io/image/canvas.hpp"
#include "io/image/pianoroll_image.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;
using namespace quintet;

namespace {

constexpr Rgb kLaneBg{250, 250, 250};
constexpr Rgb kBarLine{160, 160, 168};
constexpr Rgb kBeatLine{230, 230, 234};

// Two bars of 4/4 at 4 steps per beat: a kick on every half note, a piano C4 (steps 4..11, velocity 127)
// and an E4 (steps 12..15, velocity 64).
Multitrack small_song() {
    Multitrack mt;
    mt.name = "small song";
    mt.resolution = 4;
    Track drums{"Drums", 0, true, {}};
    drums.resize_steps(32);
    for (std::size_t t : {0, 8, 16, 24}) drums.at(t, 36) = 127;
    Track piano{"Piano", 0, false, {}};
    piano.resize_steps(32);
    for (std::size_t t = 4; t < 12; ++t) piano.at(t, 60) = 127;
    for (std::size_t t = 12; t < 16; ++t) piano.at(t, 64) = 64;
    mt.tracks = {drums, piano};
    return mt;
}

int count_colour(const Image& img, int x0, int y0, int x1, int y1, Rgb c) {
    int n = 0;
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) n += img.pixel(x, y) == c;
    return n;
}

}  // namespace

TEST(PianoRollImage, LayoutFollowsTheScaleAndThePitchesUsed) {
    const auto L = pianoroll_layout(small_song());
    // 16 px per beat at 4 steps per beat: 4 px per step, no binning.
    EXPECT_EQ(L.pixels_per_column, 4);
    EXPECT_EQ(L.steps_per_column, 1u);
    EXPECT_EQ(L.x_of_step(4) - L.x_of_step(0), 16);
    ASSERT_EQ(L.lanes.size(), 2u);
    // Piano uses 60..64; margin 2 gives 58..66 (9 semitones), grown evenly to the 13-semitone minimum.
    EXPECT_EQ(L.lanes[1].pitch_lo, 56);
    EXPECT_EQ(L.lanes[1].pitch_hi, 68);
    // Drums use 36 only: 34..38 (5 semitones) grown by 4 on each side to 30..42.
    EXPECT_EQ(L.lanes[0].pitch_lo, 30);
    EXPECT_EQ(L.lanes[0].pitch_hi, 42);
    EXPECT_EQ(L.lanes[1].height, 13 * 3);
    EXPECT_GT(L.lanes[1].top, L.lanes[0].top + L.lanes[0].height);  // lanes do not overlap
    // No downbeat array: a bar every 4 beats.
    EXPECT_EQ(L.bar_steps, (std::vector<std::size_t>{0, 16}));
}

TEST(PianoRollImage, NotesHaveTheirTrackColourAndVelocitySetsBrightness) {
    const Multitrack mt = small_song();
    const auto L = pianoroll_layout(mt);
    const Image img = render_pianoroll(mt);
    EXPECT_EQ(img.width, L.width);
    EXPECT_EQ(img.height, L.height);

    const Rgb piano = instrument_rgb(InstrumentColour::Piano);
    const Rgb drums = instrument_rgb(InstrumentColour::Drums);
    EXPECT_NE(piano, drums);
    // Inside the C4 note (step 5), full velocity: exactly the piano colour.
    EXPECT_EQ(img.pixel(L.x_of_step(5) + 1, L.y_of_pitch(1, 60) + 1), piano);
    EXPECT_EQ(img.pixel(L.x_of_step(11) + 3, L.y_of_pitch(1, 60) + 2), piano);
    // Just before the note and the semitone above it: no note colour.
    EXPECT_NE(img.pixel(L.x_of_step(3) + 2, L.y_of_pitch(1, 60) + 1), piano);
    EXPECT_NE(img.pixel(L.x_of_step(6) + 2, L.y_of_pitch(1, 61) + 1), piano);
    // The E4 at velocity 64: the lane background mixed 25% + 75% * 64/127 toward piano blue, by hand:
    // 250 + (40-250)*0.62795 = 118.1, 250 + (100-250)*0.62795 = 155.8, 250 + (200-250)*0.62795 = 218.6.
    EXPECT_EQ(img.pixel(L.x_of_step(13) + 1, L.y_of_pitch(1, 64) + 1), (Rgb{118, 156, 219}));
    // A kick drum hit at step 8 on pitch 36, in the drum lane.
    EXPECT_EQ(img.pixel(L.x_of_step(8) + 1, L.y_of_pitch(0, 36) + 1), drums);
    EXPECT_EQ(count_colour(img, L.roll_left, L.lanes[0].top, L.roll_left + L.roll_width,
                           L.lanes[0].top + L.lanes[0].height, drums), 4 * 4 * 3);  // 4 hits of 4x3 px
}

TEST(PianoRollImage, BarLinesFollowTheDownbeatArray) {
    Multitrack mt = small_song();
    const auto L = pianoroll_layout(mt);
    // Default 4/4: bar line at step 16 (D4 row is a white key, no note there).
    Image img = render_pianoroll(mt);
    EXPECT_EQ(img.pixel(L.x_of_step(16), L.y_of_pitch(1, 62) + 1), kBarLine);
    EXPECT_EQ(img.pixel(L.x_of_step(16) + 2, L.y_of_pitch(1, 62) + 1), kLaneBg);
    // 3/4 downbeats (every 12 steps): the bar line moves to 12 and step 16 becomes a plain beat line.
    mt.downbeat.assign(32, 0);
    mt.downbeat[0] = mt.downbeat[12] = mt.downbeat[24] = 1;
    img = render_pianoroll(mt);
    EXPECT_EQ(img.pixel(L.x_of_step(24), L.y_of_pitch(1, 62) + 1), kBarLine);
    EXPECT_EQ(img.pixel(L.x_of_step(16), L.y_of_pitch(1, 62) + 1), kBeatLine);
    EXPECT_EQ(pianoroll_layout(mt).bar_steps, (std::vector<std::size_t>{0, 12, 24}));
}

TEST(PianoRollImage, TrackNamesAndPitchLabelsAreDrawnOnTheLeft) {
    const Multitrack mt = small_song();
    const auto L = pianoroll_layout(mt);
    const Image img = render_pianoroll(mt);
    const Rgb name_ink = blend(instrument_rgb(InstrumentColour::Piano), {0, 0, 0}, 0.15);
    const auto& lane = L.lanes[1];
    // "Piano" in the piano lane's name column, and nowhere in the drum lane's.
    EXPECT_GT(count_colour(img, 0, lane.top, 90, lane.top + lane.height, name_ink), 30);
    EXPECT_EQ(count_colour(img, 0, L.lanes[0].top, 90, L.lanes[0].top + L.lanes[0].height, name_ink), 0);
    // "C4" right-aligned next to the C4 row: grey ink in the 11 x 7 px box left of the roll.
    const Rgb label{120, 120, 120};
    const int yc = L.y_of_pitch(1, 60) + 1;
    const int label_x = L.roll_left - 5 - font::text_width("C4");
    EXPECT_GT(count_colour(img, label_x, yc - 3, label_x + 11, yc + 4, label), 15);
    // The first column of 'C' (rows 1-5) is ink, as the glyph was designed.
    for (int r = 1; r <= 5; ++r) EXPECT_EQ(img.pixel(label_x, yc - 3 + r), label) << r;
}

TEST(PianoRollImage, LongSongsAreBinnedUnderTheWidthCap) {
    Multitrack mt;
    mt.resolution = 24;
    Track t{"Bass", 33, false, {}};
    t.resize_steps(200000);
    t.at(150000, 40) = 127;
    mt.tracks = {t};
    const auto L = pianoroll_layout(mt);
    EXPECT_EQ(L.steps_per_column, 67u);  // ceil(200000 / 3000)
    EXPECT_EQ(L.pixels_per_column, 1);
    EXPECT_LE(L.roll_width, 3000);
    const Image img = render_pianoroll(mt);
    EXPECT_EQ(img.pixel(L.roll_left + 150000 / 67, L.y_of_pitch(0, 40) + 1), instrument_rgb(InstrumentColour::Bass));
    // Short songs are zoomed in instead: 2 steps per beat gives 8 px per step.
    Multitrack s;
    s.resolution = 2;
    Track p{"Piano", 0, false, {}};
    p.resize_steps(64);
    s.tracks = {p};
    EXPECT_EQ(pianoroll_layout(s).pixels_per_column, 8);
}

TEST(PianoRollImage, InstrumentColoursByNameAndProgram) {
    EXPECT_EQ(instrument_colour_of({"x", 0, true, {}}), InstrumentColour::Drums);
    EXPECT_EQ(instrument_colour_of({"Guitar", 0, false, {}}), InstrumentColour::Guitar);
    EXPECT_EQ(instrument_colour_of({"", 33, false, {}}), InstrumentColour::Bass);
    EXPECT_EQ(instrument_colour_of({"", 4, false, {}}), InstrumentColour::Piano);
    EXPECT_EQ(instrument_colour_of({"", 48, false, {}}), InstrumentColour::Strings);
    EXPECT_EQ(instrument_colour_of({"", 120, false, {}}), InstrumentColour::Other);
    // Five families, five different colours.
    const InstrumentColour all[] = {InstrumentColour::Drums, InstrumentColour::Piano, InstrumentColour::Guitar,
                                    InstrumentColour::Bass, InstrumentColour::Strings};
    for (auto a : all)
        for (auto b : all)
            if (a != b) {
                EXPECT_NE(instrument_rgb(a), instrument_rgb(b));
            }
}

TEST(PianoRollImage, PitchNames) {
    EXPECT_EQ(pitch_name(60), "C4");
    EXPECT_EQ(pitch_name(0), "C-1");
    EXPECT_EQ(pitch_name(127), "G9");
    EXPECT_EQ(pitch_name(61), "C#4");
}

TEST(PianoRollImage, EmptyTracksAndEmptySongsStillRender) {
    Multitrack mt = small_song();
    mt.tracks.push_back({"Strings", 48, false, {}});  // zero steps
    const auto L = pianoroll_layout(mt);
    EXPECT_TRUE(L.lanes[2].empty);
    EXPECT_NO_THROW(render_pianoroll(mt));
    Multitrack none;
    const Image img = render_pianoroll(none);
    EXPECT_GT(img.width, 200);
}

TEST(PianoRollImage, BadInputsAreErrors) {
    Multitrack mt = small_song();
    mt.resolution = 0;
    EXPECT_THROW(render_pianoroll(mt), UsageError);
    PianoRollImageOptions o;
    o.pixels_per_pitch = 0;
    EXPECT_THROW(render_pianoroll(small_song(), o), UsageError);
    EXPECT_THROW(write_pianoroll_png(small_song(), "/nonexistent/dir/roll.png"), Error);
    EXPECT_FALSE(fs::exists("/nonexistent/dir/roll.png"));
}

TEST(PianoRollImage, WrittenPngDecodesToTheRenderedImage) {
    const fs::path p = fs::temp_directory_path() / ("quintet_roll_" + std::to_string(::getpid()) + ".png");
    write_pianoroll_png(small_song(), p);
    const Image back = read_png(p);
    EXPECT_EQ(back.rgb, render_pianoroll(small_song()).rgb);
    fs::remove(p);
}
