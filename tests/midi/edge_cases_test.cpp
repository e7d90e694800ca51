// Every MIDI file of ../shared/data/edge-cases: a correct parse (checked against libsmf where libsmf
// reads the file, and against hand-read facts for some) or one FormatError line naming file and offset.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "io/midi/midi.hpp"
#include "midi_files.hpp"
#include "smf_oracle.hpp"
#include "support/shared_data.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {
namespace {

namespace fs = std::filesystem;

// .mid/.midi/.kar/.rmi, or any file whose first bytes claim MIDI ("MThd", or RIFF....RMID).
bool claims_midi(const fs::path& p) {
    if (test::has_midi_extension(p)) return true;
    std::ifstream in(p, std::ios::binary);
    char head[12] = {};
    in.read(head, sizeof head);
    const std::string h(head, static_cast<std::size_t>(in.gcount()));
    return h.rfind("MThd", 0) == 0 || (h.size() == 12 && h.rfind("RIFF", 0) == 0 && h.substr(8) == "RMID");
}

struct Outcome {
    bool ok = false;
    MidiFile file;
    std::string error;
    std::int64_t offset = -1;
};

Outcome parse_path(const fs::path& p) {
    Outcome o;
    try {
        o.file = read_midi(p);
        o.ok = true;
    } catch (const FormatError& e) {
        o.error = e.what();
        o.offset = e.offset();
    }
    return o;
}

fs::path edge(const std::string& rel) { return test::shared_data_dir() / "edge-cases" / rel; }

TEST(MidiEdgeCases, EveryFileParsesOrFailsWithOneLine) {
    QUINTET_REQUIRE_SHARED_DATA("edge-cases");
    std::size_t parsed = 0, refused = 0, oracle_checked = 0;
    for (const auto& e : fs::recursive_directory_iterator(test::shared_data_dir() / "edge-cases")) {
        if (!e.is_regular_file() || !claims_midi(e.path())) continue;
        SCOPED_TRACE(e.path().string());
        const Outcome o = parse_path(e.path());
        if (o.ok) {
            ++parsed;
#ifdef QUINTET_HAVE_SMF
            // libsmf is stricter than we are; where it reads a file, the notes must agree.
            if (auto oracle = test::smf_oracle_notes(read_file(e.path()))) {
                ++oracle_checked;
                EXPECT_EQ(oracle->notes.size(), o.file.notes.size());
                for (std::size_t i = 0; i < std::min(oracle->notes.size(), o.file.notes.size()); ++i) {
                    EXPECT_EQ(oracle->notes[i].pitch, o.file.notes[i].pitch) << "note " << i;
                    EXPECT_EQ(oracle->notes[i].on_tick, o.file.notes[i].on_tick) << "note " << i;
                    EXPECT_EQ(oracle->notes[i].off_tick, o.file.notes[i].off_tick) << "note " << i;
                    EXPECT_EQ(oracle->notes[i].velocity, o.file.notes[i].velocity) << "note " << i;
                }
            }
#endif
        } else {
            ++refused;
            EXPECT_EQ(o.error.rfind(e.path().string() + ": byte " + std::to_string(o.offset) + ": ", 0), 0u) << o.error;
            EXPECT_GE(o.offset, 0) << o.error;
            EXPECT_EQ(o.error.find('\n'), std::string::npos) << o.error;
            std::cout << "[ refused  ] " << o.error << "\n";
        }
    }
    std::cout << "[ edge     ] " << parsed << " parsed (" << oracle_checked << " checked against libsmf), " << refused
              << " refused\n";
    EXPECT_GT(parsed, 20u);
}

TEST(MidiEdgeCases, RefusedWithTheRightReason) {
    QUINTET_REQUIRE_SHARED_DATA("edge-cases/muspy");
    const std::map<std::string, std::string> expected = {
        {"muspy/midi/type2.mid", "SMF type 2"},
        {"muspy/midi/zero-ticks-per-beat.mid", "ticks per beat is 0"},
        {"muspy/midi/negative-ticks-per-beat.mid", "not a valid SMPTE frame rate"},
    };
    for (const auto& [rel, fragment] : expected) {
        const Outcome o = parse_path(edge(rel));
        ASSERT_FALSE(o.ok) << rel;
        EXPECT_NE(o.error.find(fragment), std::string::npos) << o.error;
    }
}

TEST(MidiEdgeCases, HandReadFacts) {
    QUINTET_REQUIRE_SHARED_DATA("edge-cases/muspy");
    // Header only, 0 tracks (bytes: MThd, len 6, format 1, 0 tracks, 480).
    MidiFile header_only = read_midi(edge("muspy/midi/ticks-per-beat-480.mid"));
    EXPECT_EQ(header_only.ticks_per_beat, 480);
    EXPECT_TRUE(header_only.tracks.empty());
    // tempos.mid starts FF 51 03 09 27 C0 (600000 us = 100 bpm), then 07 A1 20 (120 bpm) later.
    MidiFile tempos = read_midi(edge("muspy/midi/tempos.mid"));
    ASSERT_GE(tempos.tempos.size(), 2u);
    EXPECT_EQ(tempos.tempos[0].tick, 0);
    EXPECT_EQ(tempos.tempos[0].usec_per_beat, 600000u);
    EXPECT_EQ(tempos.tempos[1].usec_per_beat, 500000u);
    EXPECT_GT(tempos.tempos[1].tick, 0);
    // time-signatures.mid starts FF 58 04 02 01 ... (2/2), then FF 58 04 04 02 ... (4/4).
    MidiFile sigs = read_midi(edge("muspy/midi/time-signatures.mid"));
    ASSERT_GE(sigs.time_signatures.size(), 2u);
    EXPECT_EQ(sigs.time_signatures[0].numerator, 2);
    EXPECT_EQ(sigs.time_signatures[0].denominator, 2);
    EXPECT_EQ(sigs.time_signatures[1].numerator, 4);
    EXPECT_EQ(sigs.time_signatures[1].denominator, 4);
    // key-signatures.mid starts FF 59 02 03 00 (3 sharps, major), then 07 01 (7 sharps, minor).
    MidiFile keys = read_midi(edge("muspy/midi/key-signatures.mid"));
    ASSERT_GE(keys.key_signatures.size(), 2u);
    EXPECT_EQ(keys.key_signatures[0].sharps, 3);
    EXPECT_FALSE(keys.key_signatures[0].minor);
    EXPECT_EQ(keys.key_signatures[1].sharps, 7);
    EXPECT_TRUE(keys.key_signatures[1].minor);
    // multitrack.mid: 4 tracks named "Track 0".."Track 3".
    MidiFile multi = read_midi(edge("muspy/midi/multitrack.mid"));
    ASSERT_EQ(multi.tracks.size(), 4u);
    EXPECT_EQ(multi.tracks[0].name, "Track 0");
    // empty.mid: one track with only an end-of-track.
    MidiFile empty = read_midi(edge("muspy/midi/empty.mid"));
    EXPECT_EQ(empty.tracks.size(), 1u);
    EXPECT_TRUE(empty.notes.empty());
}

}  // namespace
}  // namespace quintet
