// MIDI writer: a byte-level check of a tiny file worked out by hand, and write -> parse round trips.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <tuple>

#include "io/midi/midi.hpp"
#include "io/midi/midi_write.hpp"
#include "roll/notes.hpp"
#include "roll/operations.hpp"
#include "smf_builder.hpp"
#include "smf_oracle.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {
namespace {

using test::bytes_of;

Track make_track(const std::string& name, int program, bool drum, std::size_t steps) {
    Track t;
    t.name = name;
    t.program = program;
    t.is_drum = drum;
    t.resize_steps(steps);
    return t;
}

TEST(MidiWrite, TinyFileByteForByte) {
    Multitrack mt;
    mt.resolution = 2;
    mt.tracks.push_back(make_track("P", 0, false, 1));
    mt.tracks[0].at(0, 60) = 100;
    MidiWriteOptions opt;
    opt.ticks_per_beat = 4;  // step 1 = tick 2
    const std::string expected =
        bytes_of({'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 1, 0, 2, 0, 4}) +
        // conductor: time signature 4/4 (24 clocks, 8 32nds), tempo 500000 us (120 bpm: no tempo in mt), EOT at tick 2
        bytes_of({'M', 'T', 'r', 'k', 0, 0, 0, 19, 0x00, 0xFF, 0x58, 0x04, 4, 2, 24, 8, 0x00, 0xFF, 0x51, 0x03, 0x07,
                  0xA1, 0x20, 0x02, 0xFF, 0x2F, 0x00}) +
        // track: name "P", program 0 on channel 0, C4 on (vel 100) at 0, off at tick 2, EOT
        bytes_of({'M', 'T', 'r', 'k', 0, 0, 0, 20, 0x00, 0xFF, 0x03, 0x01, 'P', 0x00, 0xC0, 0x00, 0x00, 0x90, 60, 100,
                  0x02, 0x80, 60, 64, 0x00, 0xFF, 0x2F, 0x00});
    EXPECT_EQ(encode_midi(mt, opt), expected);
}

TEST(MidiWrite, TempoMapAndSequenceName) {
    Multitrack mt;
    mt.name = "Song";
    mt.resolution = 4;
    mt.tempo = {100, 100, 100, 100, 150, 150, 150, 150};
    mt.tracks.push_back(make_track("Piano", 0, false, 8));
    const MidiFile f = parse_midi(encode_midi(mt), "tempo.mid");
    EXPECT_EQ(f.tracks[0].name, "Song");
    ASSERT_EQ(f.tempos.size(), 2u);
    EXPECT_EQ(f.tempos[0].usec_per_beat, 600000u);
    EXPECT_EQ(f.tempos[1].tick, 480);  // step 4 at resolution 4, 480 ticks per beat
    EXPECT_EQ(f.tempos[1].usec_per_beat, 400000u);
    ASSERT_EQ(f.time_signatures.size(), 1u);
    EXPECT_EQ(f.time_signatures[0].numerator, 4);
    EXPECT_EQ(f.end_tick, 960);
    MidiWriteOptions fixed;
    fixed.tempo_bpm = 90;
    fixed.time_sig_numerator = 3;
    const MidiFile g = parse_midi(encode_midi(mt, fixed), "fixed.mid");
    ASSERT_EQ(g.tempos.size(), 1u);
    EXPECT_EQ(g.tempos[0].usec_per_beat, 666667u);
    EXPECT_EQ(g.time_signatures[0].numerator, 3);
}

// A five-track song with random notes: what the parser reads back equals track_notes of the rolls.
TEST(MidiWrite, RoundTripGivesBackTheNotes) {
    for (int resolution : {2, 4, 24}) {
        SCOPED_TRACE(resolution);
        std::mt19937 rng(1234 + resolution);
        const std::size_t T = 64 * static_cast<std::size_t>(resolution);
        Multitrack mt = empty_lpd5(T, resolution);
        for (auto& track : mt.tracks)
            for (int k = 0; k < 150; ++k) {
                const int pitch = static_cast<int>(rng() % 128);
                const std::size_t start = rng() % T, len = 1 + rng() % 8;
                const int vel = 1 + static_cast<int>(rng() % 127);
                for (std::size_t t = start; t < std::min(T, start + len); ++t) track.at(t, pitch) = static_cast<std::uint8_t>(vel);
            }
        const std::string bytes = encode_midi(mt);
        const MidiFile f = parse_midi(bytes, "roundtrip.mid");
        ASSERT_EQ(f.format, 1);
#ifdef QUINTET_HAVE_SMF
        const auto oracle = test::smf_oracle_notes(bytes);  // libsmf reads what we wrote the same way
        ASSERT_TRUE(oracle.has_value());
        ASSERT_EQ(oracle->notes.size(), f.notes.size());
        for (std::size_t k = 0; k < f.notes.size(); ++k) {
            EXPECT_EQ(oracle->notes[k].on_tick, f.notes[k].on_tick);
            EXPECT_EQ(oracle->notes[k].off_tick, f.notes[k].off_tick);
            EXPECT_EQ(oracle->notes[k].pitch, f.notes[k].pitch);
        }
#endif
        ASSERT_EQ(f.tracks.size(), 6u);
        for (int i = 0; i < 5; ++i) {
            SCOPED_TRACE(mt.tracks[i].name);
            EXPECT_EQ(f.tracks[i + 1].name, mt.tracks[i].name);
            const auto expected = track_notes(mt.tracks[i], i);
            std::vector<Note> got;
            for (const MidiNote& n : f.notes) {
                if (n.track != i + 1) continue;
                EXPECT_EQ(n.channel, i == 0 ? 9 : i - 1);  // drums on channel 10; melodic 0, 1, 2, 3
                EXPECT_EQ(n.program, mt.tracks[i].program);
                const std::int64_t per_step = 480 / resolution;
                ASSERT_EQ(n.on_tick % per_step, 0);
                got.push_back({i, n.pitch, static_cast<std::size_t>(n.on_tick / per_step),
                               static_cast<std::size_t>((n.off_tick - n.on_tick) / per_step), n.velocity});
            }
            std::sort(got.begin(), got.end(), [](const Note& a, const Note& b) {
                return std::tie(a.start, a.pitch) < std::tie(b.start, b.pitch);
            });
            ASSERT_EQ(got.size(), expected.size());
            for (std::size_t k = 0; k < got.size(); ++k) {
                EXPECT_EQ(got[k].pitch, expected[k].pitch);
                EXPECT_EQ(got[k].start, expected[k].start);
                EXPECT_EQ(got[k].length, expected[k].length);
                EXPECT_EQ(got[k].velocity, expected[k].velocity);
            }
        }
    }
}

TEST(MidiWrite, ChannelsSkipTheDrumChannel) {
    Multitrack mt;
    mt.resolution = 1;
    for (int i = 0; i < 11; ++i) {
        mt.tracks.push_back(make_track("t", i, false, 1));
        mt.tracks.back().at(0, 60) = 1;
    }
    const MidiFile f = parse_midi(encode_midi(mt), "ch.mid");
    std::vector<int> channel_of_track(12, -1);
    for (const auto& n : f.notes) channel_of_track[n.track] = n.channel;
    EXPECT_EQ(channel_of_track, (std::vector<int>{-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11}));
}

TEST(MidiWrite, WritesAtomicallyAndRefusesBadOptions) {
    Multitrack mt;
    mt.tracks.push_back(make_track("Piano", 0, false, 4));
    mt.tracks[0].at(1, 64) = 80;
    const auto path = std::filesystem::temp_directory_path() / "quintet_midi_write_test.mid";
    write_midi(mt, path);
    EXPECT_EQ(read_midi(path).notes.size(), 1u);
    std::filesystem::remove(path);
    MidiWriteOptions bad;
    bad.time_sig_denominator = 3;
    EXPECT_THROW(encode_midi(mt, bad), UsageError);
    bad = {};
    bad.ticks_per_beat = 0;
    EXPECT_THROW(encode_midi(mt, bad), UsageError);
}

}  // namespace
}  // namespace quintet
