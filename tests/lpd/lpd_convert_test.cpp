// midi_to_multitrack / midi_to_lpd5 on a hand-built MIDI whose LPD roll is computed by hand below.
#include <gtest/gtest.h>

#include <algorithm>

#include "io/lpd/lpd_convert.hpp"
#include "support/shared_data.hpp"
#include "util/error.hpp"

#include <cstdio>

namespace quintet {
namespace {

// 4 ticks per beat at the default 120 bpm: a tick is 0.125 s, a beat 0.5 s.
MidiFile two_beats() {
    MidiFile m;
    m.ticks_per_beat = 4;
    m.tracks = {{"conductor", 8}, {"piano", 8}};
    m.time_signatures = {{0, 4, 4, 0}};
    auto note = [&](int channel, int pitch, int velocity, std::int64_t on, std::int64_t off) {
        MidiNote n;
        n.track = 1;
        n.channel = channel;
        n.pitch = pitch;
        n.velocity = velocity;
        n.on_tick = on;
        n.off_tick = off;
        n.off_order = static_cast<std::int64_t>(m.notes.size());
        m.notes.push_back(n);
    };
    note(0, 60, 50, 0, 4);  // beat 0 .. beat 1
    note(9, 36, 90, 2, 3);  // a drum hit half way through beat 0
    note(0, 60, 70, 4, 8);  // beat 1 .. beat 2 (the song's end)
    return m;
}

TEST(LpdConvert, HandComputedRoll) {
    Multitrack mt = midi_to_multitrack(two_beats());
    // End time 1.0 s -> beats at 0 and 0.5 s (the beat at the end is not included): T = 2 x 24.
    ASSERT_EQ(mt.steps(), 48u);
    ASSERT_EQ(mt.tracks.size(), 2u);  // (program 0, channel 0) and (program 0, channel 9)
    const Track& piano = mt.tracks[0];
    const Track& drums = mt.tracks[1];
    EXPECT_FALSE(piano.is_drum);
    EXPECT_TRUE(drums.is_drum);
    // First note: steps [0, 24] (offset inclusive). Second: onset 24, offset 48 -> [24, 48) clipped;
    // its onset clears step 23 (the one-step gap) and takes the maximum velocity where they overlap.
    for (int t = 0; t < 48; ++t) {
        int want = t < 23 ? 50 : t == 23 ? 0 : 70;
        EXPECT_EQ(piano.at(t, 60), want) << "step " << t;
    }
    EXPECT_EQ(piano.nnz(), 47u);
    // Drums: the onset only, at 0.25 s = half a beat = step 12.
    EXPECT_EQ(drums.nnz(), 1u);
    EXPECT_EQ(drums.at(12, 36), 90);
    // One time signature: pypianoroll 0.3.0 marks only step 0.
    ASSERT_EQ(mt.downbeat.size(), 48u);
    EXPECT_EQ(mt.downbeat[0], 1);
    EXPECT_EQ(std::count(mt.downbeat.begin(), mt.downbeat.end(), 1), 1);
    EXPECT_EQ(mt.tempo, std::vector<double>(48, 120.0));
}

TEST(LpdConvert, Lpd5HasFiveTracksAndEmptyFamiliesOfZeroSteps) {
    Multitrack mt = midi_to_lpd5(two_beats());
    ASSERT_EQ(mt.tracks.size(), 5u);
    const char* names[] = {"Drums", "Piano", "Guitar", "Bass", "Strings"};
    for (int i = 0; i < 5; ++i) EXPECT_EQ(mt.tracks[i].name, names[i]);
    EXPECT_EQ(mt.tracks[0].nnz(), 1u);
    EXPECT_EQ(mt.tracks[1].nnz(), 47u);
    for (int i = 2; i < 5; ++i) EXPECT_EQ(mt.tracks[i].steps(), 0u);
}

TEST(LpdConvert, AProgramChangeDuringANoteFilesItUnderTheNewProgram) {
    MidiFile m = two_beats();
    for (auto& n : m.notes)
        if (n.channel == 0) n.off_program = 33;  // a bass program arrived before the note-offs
    Multitrack mt = midi_to_lpd5(m);
    EXPECT_EQ(mt.tracks[1].steps(), 0u);  // Piano empty
    EXPECT_EQ(mt.tracks[3].nnz(), 47u);   // Bass
}

TEST(LpdConvert, NoNotesAndNoTimeSignatureIsAnError) {
    MidiFile m;
    m.tracks = {{"", 0}};
    EXPECT_THROW(midi_to_multitrack(m), Error);
}

}  // namespace
}  // namespace quintet

namespace quintet {
namespace {

// Every edge-case and classical MIDI file either converts or gives a quintet::Error; never a crash.
TEST(LpdConvert, EdgeCaseFilesConvertOrFailCleanly) {
    QUINTET_REQUIRE_SHARED_DATA("edge-cases");
    QUINTET_REQUIRE_SHARED_DATA("midi/classical-piano");
    const auto data = test::shared_data_dir();
    int converted = 0, refused = 0;
    for (const char* sub : {"edge-cases", "midi/classical-piano"}) {
        for (const auto& e : std::filesystem::recursive_directory_iterator(data / sub)) {
            const auto ext = e.path().extension().string();
            if (ext != ".mid" && ext != ".midi" && ext != ".MID") continue;
            try {
                Multitrack mt = midi_to_lpd5(read_midi(e.path(), {NotePairing::pretty_midi}));
                ASSERT_EQ(mt.tracks.size(), 5u) << e.path();
                for (const auto& t : mt.tracks) EXPECT_TRUE(t.steps() == 0 || t.steps() == mt.tempo.size()) << e.path();
                ++converted;
            } catch (const Error&) {
                ++refused;
            }
        }
    }
    EXPECT_GT(converted, 20);
    std::printf("edge cases: %d converted, %d refused with an error\n", converted, refused);
}

}  // namespace
}  // namespace quintet
