// Frame-RNN generation: the same seed gives the same MIDI bytes; the per-instrument mode draws exactly the
// asked notes per track and step, the softmax mode its total; a primer is the start of the output; a run of
// another system is one line.
#include <gtest/gtest.h>

#include <map>

#include "corpus/song_loader.hpp"
#include "frame_runs.hpp"
#include "io/midi/midi_write.hpp"
#include "io/npz/npz.hpp"
#include "roll/operations.hpp"
#include "systems/frame_rnn/generator.hpp"
#include "systems/frame_rnn/system.hpp"
#include "systems/options.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {
// Notes sounding at step t of LPD-5 family f.
int notes_at(const Multitrack& mt, int family, std::size_t t) {
    int n = 0;
    for (int p = 0; p < 128; ++p) n += mt.tracks[std::size_t(family)].at(t, p) != 0;
    return n;
}
}  // namespace

TEST(FrameRnnGeneration, SameSeedSameMidiBytes) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    FrameRnnGenerator generator(test::tiny_lpd_run("bernoulli"));
    FrameRnnGenerateOptions o;
    o.bars = 4;
    o.seed = 5;
    const std::string a = encode_midi(generator.generate(o)), b = encode_midi(generator.generate(o));
    EXPECT_EQ(a, b);
    FrameRnnGenerator reopened(test::tiny_lpd_run("bernoulli"));
    EXPECT_EQ(encode_midi(reopened.generate(o)), a);
    o.seed = 6;
    EXPECT_NE(encode_midi(generator.generate(o)), a);
    const Multitrack song = generator.generate(o);
    EXPECT_EQ(song.steps(), 4u * 4 * 2);  // 4 bars at the store's 2 steps per beat
    EXPECT_EQ(song.tracks.size(), 5u);
}

TEST(FrameRnnGeneration, PerInstrumentDrawsExactlyTheAskedNotesPerTrackAndStep) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    FrameRnnGenerator generator(test::tiny_lpd_run("per-instrument"));
    FrameRnnGenerateOptions o;
    o.bars = 3;
    o.prime_steps = 0;  // every step drawn
    o.notes_per_step = "piano=2,guitar=3,drums=1";
    for (std::uint64_t seed : {1, 2}) {
        o.seed = seed;
        const Multitrack song = generator.generate(o);
        ASSERT_EQ(song.steps(), 24u);
        for (std::size_t t = 0; t < song.steps(); ++t) {
            EXPECT_EQ(notes_at(song, 1, t), 2) << t;  // piano
            EXPECT_EQ(notes_at(song, 2, t), 3) << t;  // guitar
            EXPECT_EQ(notes_at(song, 3, t), 0) << t;  // bass: not named
            EXPECT_EQ(notes_at(song, 4, t), 0) << t;  // strings
            EXPECT_EQ(notes_at(song, 0, t), 1) << t;  // drums
        }
    }
    o.notes_per_step = "piano=2,oboe=1";
    EXPECT_THROW(generator.generate(o), UsageError);
}

TEST(FrameRnnGeneration, SoftmaxDrawsTheAskedTotalPerStep) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    FrameRnnGenerator generator(test::tiny_lpd_run("softmax"));
    FrameRnnGenerateOptions o;
    o.bars = 2;
    o.prime_steps = 0;
    o.notes_per_step = "5";
    const Multitrack song = generator.generate(o);
    for (std::size_t t = 0; t < song.steps(); ++t) {
        int n = 0;
        for (int f = 0; f < 5; ++f) n += notes_at(song, f, t);
        EXPECT_EQ(n, 5) << t;
    }
}

TEST(FrameRnnGeneration, ThePrimerIsTheStartOfTheOutput) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path dir = test::fresh_test_path("frame-rnn", "primer");
    fs::create_directories(dir);
    // The primer: 3 bars of a song the run has not seen (the tiny store's test song), as MIDI.
    Multitrack primer = test::load_lpd5_at_resolution_2("mma__midi-inc_frankie2");
    trim(primer, 0, 24);
    write_midi(primer, dir / "primer.mid");
    FrameRnnGenerator generator(test::tiny_lpd_run("bernoulli"));
    const FrameSpec& spec = generator.run().spec;
    const auto expected = encode_frames(load_song_file(dir / "primer.mid"), spec);
    const std::size_t primed = expected.size() / spec.frame_size();
    ASSERT_GT(primed, 8u);
    FrameRnnGenerateOptions o;
    o.bars = 8;
    o.prime = dir / "primer.mid";
    const Multitrack song = generator.generate(o);
    const auto out = encode_frames(song, spec);
    ASSERT_EQ(out.size(), 64u * spec.frame_size());
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(), out.begin()));
    // A primer stored at the run's resolution (.npz) is its own notes exactly: the output opens with the source
    // roll, binarised (MIDI goes through 24 steps per beat and back, which lengthens notes by the rounding).
    write_npz(primer, dir / "primer.npz");
    o.prime = dir / "primer.npz";
    const auto from_npz = encode_frames(generator.generate(o), spec);
    for (int f = 0; f < 5; ++f)
        for (std::size_t t = 0; t < 24; ++t)
            for (int p = 0; p < 128; ++p) {
                const std::size_t block = std::size_t(std::find(spec.tracks.begin(), spec.tracks.end(), f) - spec.tracks.begin());
                ASSERT_EQ(from_npz[t * spec.frame_size() + block * 128 + std::size_t(p)], primer.tracks[std::size_t(f)].at(t, p) ? 1 : 0)
                    << f << " " << t << " " << p;
            }
    // A primer without notes in the run's tracks is one line.
    write_midi(empty_lpd5(8, 2), dir / "silent.mid");
    o.prime = dir / "silent.mid";
    EXPECT_THROW(generator.generate(o), UsageError);
}

TEST(FrameRnnGeneration, ARunOfAnotherSystemIsOneLine) {
    const fs::path dir = test::fresh_test_path("frame-rnn", "other-system");
    fs::create_directories(dir);
    write_file_atomically(dir / "config.json", "{\"model\": \"vae-nn\", \"corpus\": \"/nowhere.store\"}\n");
    FrameRnnSystem system;
    try {
        system.open(dir, "cpu");
        ADD_FAILURE() << "opened a vae-nn run";
    } catch (const UsageError& e) {
        const std::string m = e.what();
        EXPECT_EQ(m.find('\n'), std::string::npos) << m;
        EXPECT_NE(m.find("vae-nn"), std::string::npos) << m;
    }
}

TEST(FrameRnnGeneration, ACheckpointOfAnotherSizeIsOneLine) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path dir = test::fresh_test_path("frame-rnn", "resized");
    fs::copy(test::tiny_lpd_run("bernoulli"), dir, fs::copy_options::recursive);
    std::string config = read_file(dir / "config.json");
    const auto at = config.find("\"hidden\": 16");
    ASSERT_NE(at, std::string::npos) << config;
    config.replace(at, 12, "\"hidden\": 17");
    write_file_atomically(dir / "config.json", config);
    try {
        FrameRnnGenerator g(dir);
        ADD_FAILURE() << "loaded a checkpoint of hidden size 16 as 17";
    } catch (const FormatError& e) {
        const std::string m = e.what();
        EXPECT_EQ(m.find('\n'), std::string::npos) << m;
        EXPECT_NE(m.find("hidden size"), std::string::npos) << m;
    }
}

// --from SONG --keep piano,bass: the song's length, its piano and bass cells at every step (checked against the
// song's own frames), the other tracks drawn anew (some cell differs); bad combinations are one line.
TEST(FrameRnnGeneration, KeepsTheLockedTracksOfASongAndDrawsTheOthers) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path dir = test::fresh_test_path("frame-rnn", "keep");
    fs::create_directories(dir);
    FrameRnnGenerator generator(test::tiny_lpd_run("bernoulli"));
    const FrameSpec& spec = generator.run().spec;
    FrameRnnGenerateOptions o;
    o.bars = 6;
    o.seed = 3;
    write_npz(generator.generate(o), dir / "first.npz");
    const auto first = encode_frames(load_song_file(dir / "first.npz"), spec);
    const std::size_t width = spec.frame_size(), steps = first.size() / width;
    ASSERT_EQ(steps, 6u * 4 * std::size_t(spec.resolution));

    FrameRnnGenerateOptions again;
    again.bars = 2;  // not used: --from gives the length
    again.seed = 4;
    again.from = dir / "first.npz";
    again.keep = parse_track_list("piano,bass");
    const auto second = encode_frames(generator.generate(again), spec);
    ASSERT_EQ(second.size(), first.size());
    std::map<int, std::size_t> differing;  // family -> cells that differ
    for (std::size_t b = 0; b < spec.tracks.size(); ++b)
        for (std::size_t t = 0; t < steps; ++t)
            for (int p = 0; p < spec.pitches; ++p) {
                const std::size_t i = t * width + b * std::size_t(spec.pitches) + std::size_t(p);
                differing[spec.tracks[b]] += first[i] != second[i];
            }
    EXPECT_EQ(differing[1], 0u) << "piano";
    EXPECT_EQ(differing[3], 0u) << "bass";
    EXPECT_GT(differing[0] + differing[2] + differing[4], 0u) << "nothing else changed";

    again.keep = {};
    again.from.clear();
    again.keep = parse_track_list("drums");
    EXPECT_THROW(generator.generate(again), UsageError);  // --keep without --from
    FrameRnnSampleSettings settings;
    set_option(settings.options(), "--keep", "piano");
    SampleRequest request;
    try {
        (void)settings.resolve(request);
        ADD_FAILURE() << "--keep without --from resolved";
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(), "--keep needs --from: the song whose instruments are kept");
    }
    set_option(settings.options(), "--from", (dir / "first.npz").string());
    set_option(settings.options(), "--keep", "flute");
    EXPECT_THROW((void)settings.resolve(request), UsageError);
}
