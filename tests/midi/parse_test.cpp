// Hand-built files whose notes, tempos and signatures are worked out by hand from the SMF spec.
#include <gtest/gtest.h>

#include "io/midi/midi.hpp"
#include "smf_builder.hpp"
#include "util/error.hpp"

namespace quintet {
namespace {

using test::bytes_of;
using test::mtrk;
using test::smf_header;

const std::string kEot = bytes_of({0x00, 0xFF, 0x2F, 0x00});

TEST(MidiParse, RunningStatusVelocityZeroAndDeltaTimes) {
    // ch 0: C4 on at 0, (running status) E4 on at 0, C4 "on vel 0" at 96, E4 off at 96+0x81 0x00 = 96+128.
    std::string ev = bytes_of({0x00, 0x90, 60, 100, 0x00, 64, 90, 0x60, 60, 0x00, 0x81, 0x00, 0x80, 64, 0x40}) + kEot;
    MidiFile f = parse_midi(smf_header(0, 1, 96) + mtrk(ev), "rs.mid");
    EXPECT_EQ(f.format, 0);
    EXPECT_EQ(f.ticks_per_beat, 96);
    ASSERT_EQ(f.notes.size(), 2u);
    EXPECT_EQ(f.notes[0].pitch, 60);
    EXPECT_EQ(f.notes[0].velocity, 100);
    EXPECT_EQ(f.notes[0].on_tick, 0);
    EXPECT_EQ(f.notes[0].off_tick, 96);
    EXPECT_EQ(f.notes[1].pitch, 64);
    EXPECT_EQ(f.notes[1].velocity, 90);
    EXPECT_EQ(f.notes[1].off_tick, 224);
    EXPECT_EQ(f.end_tick, 224);
}

TEST(MidiParse, MetaEventsTempoSignaturesNamesAndSysex) {
    std::string conductor = bytes_of({0x00, 0xFF, 0x03, 0x04, 'S', 'o', 'n', 'g',    // track name
                                      0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,      // 500000 us = 120 bpm
                                      0x00, 0xFF, 0x58, 0x04, 0x03, 0x03, 0x18, 0x08,  // 3/8
                                      0x00, 0xFF, 0x59, 0x02, 0xFD, 0x01,            // 3 flats, minor
                                      0x00, 0xF0, 0x03, 0x7E, 0x09, 0xF7,            // sysex, 3 bytes
                                      0x83, 0x00, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40}) +  // tick 384: 1000000 us
                            kEot;
    std::string music = bytes_of({0x00, 0xFF, 0x03, 0x05, 'D', 'r', 'u', 'm', 's', 0x00, 0x99, 36, 127, 0x10, 0x89, 36, 0}) + kEot;
    MidiFile f = parse_midi(smf_header(1, 2, 192) + mtrk(conductor) + mtrk(music), "meta.mid");
    ASSERT_EQ(f.tracks.size(), 2u);
    EXPECT_EQ(f.tracks[0].name, "Song");
    EXPECT_EQ(f.tracks[1].name, "Drums");
    EXPECT_EQ(f.tracks[0].end_tick, 384);
    EXPECT_EQ(f.tracks[1].end_tick, 16);
    ASSERT_EQ(f.tempos.size(), 2u);
    EXPECT_EQ(f.tempos[0].usec_per_beat, 500000u);
    EXPECT_EQ(f.tempos[1].tick, 384);
    EXPECT_EQ(f.tempos[1].usec_per_beat, 1000000u);
    ASSERT_EQ(f.time_signatures.size(), 1u);
    EXPECT_EQ(f.time_signatures[0].numerator, 3);
    EXPECT_EQ(f.time_signatures[0].denominator, 8);
    ASSERT_EQ(f.key_signatures.size(), 1u);
    EXPECT_EQ(f.key_signatures[0].sharps, -3);
    EXPECT_TRUE(f.key_signatures[0].minor);
    ASSERT_EQ(f.notes.size(), 1u);
    EXPECT_EQ(f.notes[0].track, 1);
    EXPECT_EQ(f.notes[0].channel, 9);  // GM drums: MIDI channel 10
    EXPECT_EQ(f.notes[0].off_tick, 16);
    EXPECT_EQ(f.end_tick, 384);
}

TEST(MidiParse, ProgramInForceAtNoteOn) {
    std::string ev = bytes_of({0x00, 0xC2, 24, 0x00, 0x92, 60, 80, 0x10, 0xC2, 33, 0x00, 0x82, 60, 0, 0x00, 0x92, 62, 80,
                               0x10, 0x82, 62, 0}) + kEot;
    MidiFile f = parse_midi(smf_header(0, 1, 96) + mtrk(ev), "prog.mid");
    ASSERT_EQ(f.notes.size(), 2u);
    EXPECT_EQ(f.notes[0].program, 24);  // the change at tick 16 comes after this note's onset
    EXPECT_EQ(f.notes[1].program, 33);
    EXPECT_EQ(f.notes[1].channel, 2);
}

// Two overlapping C4s: on@0 (v10), on@10 (v20), off@20, off@30.
std::string overlapping() {
    std::string ev = bytes_of({0x00, 0x90, 60, 10, 0x0A, 0x90, 60, 20, 0x0A, 0x80, 60, 0, 0x0A, 0x80, 60, 0}) + kEot;
    return smf_header(0, 1, 96) + mtrk(ev);
}

TEST(MidiParse, OverlappingNotesPairFirstInFirstOut) {
    MidiFile f = parse_midi(overlapping(), "overlap.mid");
    ASSERT_EQ(f.notes.size(), 2u);
    EXPECT_EQ(f.notes[0].velocity, 10);
    EXPECT_EQ(f.notes[0].off_tick, 20);
    EXPECT_EQ(f.notes[1].velocity, 20);
    EXPECT_EQ(f.notes[1].off_tick, 30);
}

TEST(MidiParse, OverlappingNotesLastInFirstOut) {
    MidiFile f = parse_midi(overlapping(), "overlap.mid", {NotePairing::lifo});
    ASSERT_EQ(f.notes.size(), 2u);
    EXPECT_EQ(f.notes[0].off_tick, 30);  // the v10 note outlives the v20 one
    EXPECT_EQ(f.notes[1].off_tick, 20);
}

TEST(MidiParse, OverlappingNotesPrettyMidiClosesAll) {
    MidiFile f = parse_midi(overlapping(), "overlap.mid", {NotePairing::pretty_midi});
    ASSERT_EQ(f.notes.size(), 2u);  // both end at the first off; the second off finds nothing open
    EXPECT_EQ(f.notes[0].off_tick, 20);
    EXPECT_EQ(f.notes[1].off_tick, 20);
}

TEST(MidiParse, PrettyMidiKeepsNoteStartingAtTheOffTick) {
    // on@0, on@10, off@10, off@20: at tick 10 the first note ends, the second (started at 10) stays open.
    std::string ev = bytes_of({0x00, 0x90, 60, 10, 0x0A, 0x90, 60, 20, 0x00, 0x80, 60, 0, 0x0A, 0x80, 60, 0}) + kEot;
    MidiFile f = parse_midi(smf_header(0, 1, 96) + mtrk(ev), "p.mid", {NotePairing::pretty_midi});
    ASSERT_EQ(f.notes.size(), 2u);
    EXPECT_EQ(f.notes[0].on_tick, 0);
    EXPECT_EQ(f.notes[0].off_tick, 10);
    EXPECT_EQ(f.notes[1].on_tick, 10);
    EXPECT_EQ(f.notes[1].off_tick, 20);
}

TEST(MidiParse, OffOrderAndOffProgram) {
    // C4 on@0, E4 on@0 (program 0), program 40 @5, E4 off@10, C4 off@20.
    std::string ev = bytes_of({0x00, 0x90, 60, 10, 0x00, 0x90, 64, 20, 0x05, 0xC0, 40, 0x05, 0x80, 64, 0, 0x0A, 0x80, 60, 0}) + kEot;
    MidiFile f = parse_midi(smf_header(0, 1, 96) + mtrk(ev), "order.mid");
    ASSERT_EQ(f.notes.size(), 2u);
    EXPECT_EQ(f.notes[0].pitch, 60);  // sorted by onset, then pitch
    EXPECT_EQ(f.notes[0].off_order, 1);
    EXPECT_EQ(f.notes[1].off_order, 0);  // E4 ended first
    EXPECT_EQ(f.notes[0].program, 0);    // program at note-on
    EXPECT_EQ(f.notes[0].off_program, 40);
    EXPECT_EQ(f.notes[1].off_program, 40);
}

TEST(MidiParse, OpenNotesCloseAtTrackEnd) {
    std::string ev = bytes_of({0x00, 0x90, 60, 10, 0x50, 0xFF, 0x2F, 0x00});
    MidiFile f = parse_midi(smf_header(0, 1, 96) + mtrk(ev), "open.mid");
    ASSERT_EQ(f.notes.size(), 1u);
    EXPECT_EQ(f.notes[0].off_tick, 0x50);
    EXPECT_TRUE(parse_midi(smf_header(0, 1, 96) + mtrk(ev), "open.mid", {NotePairing::pretty_midi}).notes.empty());
}

TEST(MidiParse, TracksDoNotShareState) {
    // Track 0 leaves C4 open on channel 0; track 1's note-off for C4 must not close it.
    std::string t0 = bytes_of({0x00, 0x90, 60, 10, 0x40, 0xFF, 0x2F, 0x00});
    std::string t1 = bytes_of({0x20, 0x80, 60, 0}) + kEot;
    MidiFile f = parse_midi(smf_header(1, 2, 96) + mtrk(t0) + mtrk(t1), "two.mid");
    ASSERT_EQ(f.notes.size(), 1u);
    EXPECT_EQ(f.notes[0].off_tick, 0x40);
}

TEST(MidiParse, ManySimultaneousNotesComeOutSorted) {
    // 16 channels x 128 pitches, all at tick 0, written in descending (channel, pitch) order: enough
    // disorder to exceed the insertion-sort budget and take the fallback sort.
    std::string ev;
    for (int ch = 15; ch >= 0; --ch)
        for (int p = 127; p >= 0; --p) ev += bytes_of({0x00, 0x90 | ch, p, 1 + p % 127});
    ev += bytes_of({0x10, 0xFF, 0x2F, 0x00});
    MidiFile f = parse_midi(smf_header(0, 1, 96) + mtrk(ev), "many.mid");
    ASSERT_EQ(f.notes.size(), 2048u);
    for (std::size_t i = 0; i < f.notes.size(); ++i) {
        EXPECT_EQ(f.notes[i].channel, static_cast<int>(i / 128));
        EXPECT_EQ(f.notes[i].pitch, static_cast<int>(i % 128));
        EXPECT_EQ(f.notes[i].off_tick, 16);
    }
}

TEST(MidiParse, UnknownChunksAreSkipped) {
    std::string ev = bytes_of({0x00, 0x90, 60, 10, 0x10, 60, 0}) + kEot;
    std::string file = smf_header(0, 1, 96) + "XFIH" + test::be32(3) + "abc" + mtrk(ev);
    EXPECT_EQ(parse_midi(file, "x.mid").notes.size(), 1u);
}

// The error names the file and the byte offset where the problem is.
void expect_error(const std::string& bytes, std::int64_t offset, const std::string& fragment) {
    try {
        parse_midi(bytes, "bad.mid");
        FAIL() << "no error; expected: " << fragment;
    } catch (const FormatError& e) {
        const std::string what = e.what();
        EXPECT_EQ(e.offset(), offset) << what;
        EXPECT_EQ(what.rfind("bad.mid: byte " + std::to_string(offset) + ": ", 0), 0u) << what;
        EXPECT_NE(what.find(fragment), std::string::npos) << what;
        EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
}

TEST(MidiParse, ErrorsNameFileAndOffset) {
    expect_error("", 0, "not a Standard MIDI File");
    expect_error("RIFX", 0, "expected 'MThd'");
    expect_error(smf_header(2, 0, 96), 8, "type 2");
    expect_error(smf_header(3, 0, 96), 8, "unknown SMF format 3");
    expect_error(smf_header(1, 0, 0), 12, "ticks per beat is 0");
    expect_error(smf_header(1, 0, 0xE728), 12, "SMPTE time division (25 frames/s, 40 ticks/frame)");
    expect_error(smf_header(1, 1, 96), 14, "declares 1 track(s) but the file ends after 0");
    expect_error(smf_header(1, 1, 96) + "MTrk" + test::be32(100) + "ab", 14, "runs past the end");
    // Header track chunk: running status with nothing to run on, at byte 14 + 8 + 1.
    expect_error(smf_header(1, 1, 96) + mtrk(bytes_of({0x00, 0x40, 0x40})), 23, "no running status");
    // Note-on velocity 168 (0xA8) at byte 25.
    expect_error(smf_header(1, 1, 96) + mtrk(bytes_of({0x00, 0x90, 0x3C, 0xA8}) + kEot), 25, "data byte 0xA8");
    // A 5-byte delta time.
    expect_error(smf_header(1, 1, 96) + mtrk(bytes_of({0x81, 0x81, 0x81, 0x81, 0x01})), 22, "longer than 4 bytes");
    // A meta event whose length runs past its chunk.
    expect_error(smf_header(1, 1, 96) + mtrk(bytes_of({0x00, 0xFF, 0x03, 0x10, 'a'})), 26, "left in the track chunk");
    // A system real-time byte inside a track.
    expect_error(smf_header(1, 1, 96) + mtrk(bytes_of({0x00, 0xF8})), 23, "status byte 0xF8");
}

TEST(MidiParse, CorruptControllerValueIsTolerated) {
    // Controller 7 with value 0xA8 (>= 0x80) is consumed as its data byte; the note after it is read.
    std::string ev = bytes_of({0x00, 0xB0, 0x07, 0xA8, 0x00, 0x90, 60, 10, 0x10, 0x80, 60, 0}) + kEot;
    MidiFile f = parse_midi(smf_header(0, 1, 96) + mtrk(ev), "cc.mid");
    ASSERT_EQ(f.notes.size(), 1u);
    EXPECT_EQ(f.notes[0].off_tick, 16);
}

TEST(MidiParse, RiffWrappedMidi) {
    std::string smf = smf_header(0, 1, 96) + mtrk(bytes_of({0x00, 0x90, 60, 10, 0x10, 60, 0}) + kEot);
    auto le32 = [](std::uint32_t v) { return bytes_of({int(v) & 0xFF, int(v >> 8) & 0xFF, int(v >> 16) & 0xFF, int(v >> 24) & 0xFF}); };
    std::string rmi = "RIFF" + le32(static_cast<std::uint32_t>(12 + smf.size())) + "RMID" + "data" + le32(static_cast<std::uint32_t>(smf.size())) + smf;
    MidiFile f = parse_midi(rmi, "song.rmi");
    ASSERT_EQ(f.notes.size(), 1u);
    EXPECT_EQ(f.notes[0].off_tick, 16);
}

}  // namespace
}  // namespace quintet
