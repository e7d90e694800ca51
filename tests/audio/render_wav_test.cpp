#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>
#include <unistd.h>

#include "io/audio/render_wav.hpp"
#include "support/resident_memory.hpp"
#include "support/skip_or_fail.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "wav_reader.hpp"

namespace fs = std::filesystem;
using namespace quintet;

namespace {

class RenderWav : public ::testing::Test {
protected:
    void SetUp() override {
        unsetenv("QUINTET_SOUNDFONT");
        if (!fs::exists(kDefaultSoundfont)) QUINTET_SKIP_OR_FAIL("FluidR3 GM soundfont not installed (fluid-soundfont-gm)");
        dir_ = fs::temp_directory_path() / ("quintet_audio_test_" + std::to_string(::getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override {
        unsetenv("QUINTET_SOUNDFONT");
        if (!dir_.empty()) fs::remove_all(dir_);
    }
    int files_in_dir() const {
        int n = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++n;
        return n;
    }
    fs::path dir_;
};

// 32 steps at 4 steps per beat (4.0 s at 120 bpm) with one piano C4 from step 8 to 15: 1.0 s .. 2.0 s.
Multitrack one_note(bool drum = false) {
    Multitrack mt;
    mt.resolution = 4;
    Track t{drum ? "Drums" : "Piano", 0, drum, {}};
    t.resize_steps(32);
    for (std::size_t s = 8; s < 16; ++s) t.at(s, 60) = 100;
    mt.tracks = {t};
    return mt;
}

}  // namespace

TEST_F(RenderWav, KnownNoteSoundsExactlyWhenScheduled) {
    render_wav(one_note(), dir_ / "note.wav");
    const auto w = test::read_wav(dir_ / "note.wav");
    EXPECT_EQ(w.format, 1);
    EXPECT_EQ(w.channels, 2);
    EXPECT_EQ(w.sample_rate, 44100);
    EXPECT_EQ(w.bits, 16);
    EXPECT_EQ(w.frames(), 242550u);  // (4.0 s + 1.5 s tail) * 44100
    EXPECT_EQ(rendered_frames(one_note()), 242550u);
    // Silent before the onset, loud while the key is held, decaying after the release.
    EXPECT_EQ(w.rms(0.0, 0.99), 0.0);
    const double held = w.rms(1.0, 1.9);
    EXPECT_GT(held, 0.01);
    EXPECT_GT(w.rms(1.0, 1.1), 0.01);  // the attack is in the first 100 ms
    EXPECT_LT(w.rms(4.5, 5.5), held / 10);
    EXPECT_EQ(files_in_dir(), 1);  // no temporary left behind
}

TEST_F(RenderWav, TempoArrayMovesTheNote) {
    Multitrack mt = one_note();
    mt.tempo.assign(32, 60.0);  // half speed: the note now starts at 2.0 s, the song lasts 8 s
    AudioOptions o;
    o.sample_rate = 22050;
    o.tail_seconds = 0.5;
    render_wav(mt, dir_ / "slow.wav", o);
    const auto w = test::read_wav(dir_ / "slow.wav");
    EXPECT_EQ(w.sample_rate, 22050);
    EXPECT_EQ(w.frames(), static_cast<std::size_t>(8.5 * 22050));
    EXPECT_EQ(w.rms(0.0, 1.99), 0.0);
    EXPECT_GT(w.rms(2.0, 2.2), 0.01);
}

TEST_F(RenderWav, DrumOnlyTrackIsNotSilentAndUsesTheDrumKit) {
    Multitrack drums;
    drums.resolution = 24;  // LPD drums: one-step onsets
    Track d{"Drums", 0, true, {}};
    d.resize_steps(24 * 8);
    for (std::size_t beat = 0; beat < 8; ++beat) d.at(beat * 24, beat % 2 ? 38 : 36) = 110;  // kick, snare
    drums.tracks = {d};
    render_wav(drums, dir_ / "drums.wav");
    const auto w = test::read_wav(dir_ / "drums.wav");
    for (int beat = 0; beat < 8; ++beat) EXPECT_GT(w.rms(beat * 0.5, beat * 0.5 + 0.1), 0.01) << "beat " << beat;
    // The same notes on a melodic channel (program 0) would be piano notes of 20 ms: a different sound.
    Multitrack piano = drums;
    piano.tracks[0].is_drum = false;
    piano.tracks[0].name = "Piano";
    render_wav(piano, dir_ / "piano.wav");
    const auto p = test::read_wav(dir_ / "piano.wav");
    ASSERT_EQ(p.samples.size(), w.samples.size());
    double diff = 0, energy = 0;
    for (std::size_t i = 0; i < w.samples.size(); ++i) {
        const double a = w.samples[i], b = p.samples[i];
        diff += (a - b) * (a - b);
        energy += a * a;
    }
    EXPECT_GT(diff, 0.5 * energy);
}

TEST_F(RenderWav, MissingSoundfontIsAClearErrorAndLeavesNoFile) {
    AudioOptions o;
    o.soundfont = dir_ / "nope.sf2";
    try {
        render_wav(one_note(), dir_ / "out.wav", o);
        FAIL() << "expected IoError";
    } catch (const IoError& e) {
        EXPECT_EQ(std::string(e.what()), "soundfont not found: " + (dir_ / "nope.sf2").string() +
                                             " (install fluid-soundfont-gm or set QUINTET_SOUNDFONT)");
    }
    EXPECT_FALSE(fs::exists(dir_ / "out.wav"));
    EXPECT_EQ(files_in_dir(), 0);
    // The environment variable overrides the default location.
    setenv("QUINTET_SOUNDFONT", "/nonexistent/x.sf2", 1);
    EXPECT_THROW(render_wav(one_note(), dir_ / "out.wav"), IoError);
    EXPECT_EQ(resolve_soundfont({"/usr/share/sounds/sf2/FluidR3_GM.sf2"}), kDefaultSoundfont);  // explicit wins
    EXPECT_EQ(files_in_dir(), 0);
}

TEST_F(RenderWav, CorruptSoundfontIsAFormatErrorAndLeavesNoFile) {
    write_file_atomically(dir_ / "bad.sf2", "RIFF\x10\x00\x00\x00sfbkLIST this is not a soundfont");
    AudioOptions o;
    o.soundfont = dir_ / "bad.sf2";
    try {
        render_wav(one_note(), dir_ / "out.wav", o);
        FAIL() << "expected FormatError";
    } catch (const FormatError& e) {
        EXPECT_NE(std::string(e.what()).find("bad.sf2"), std::string::npos);
    }
    EXPECT_FALSE(fs::exists(dir_ / "out.wav"));
}

TEST_F(RenderWav, BadOptionsAndOutputPathsAreErrors) {
    AudioOptions o;
    o.sample_rate = 100;
    EXPECT_THROW(render_wav(one_note(), dir_ / "a.wav", o), UsageError);
    EXPECT_THROW(render_wav(one_note(), "/nonexistent/dir/a.wav"), IoError);
    EXPECT_EQ(files_in_dir(), 0);
}

TEST_F(RenderWav, EmptySongIsJustTheSilentTail) {
    Multitrack empty;
    render_wav(empty, dir_ / "empty.wav");
    const auto w = test::read_wav(dir_ / "empty.wav");
    EXPECT_EQ(w.frames(), static_cast<std::size_t>(1.5 * 44100));
    EXPECT_EQ(w.rms(0, 1.5), 0.0);
}

namespace {
// Twelve piano tracks hammering a cluster at full velocity: far louder than full scale at gain 3.
Multitrack loud_song() {
    Multitrack mt;
    mt.resolution = 4;
    for (int k = 0; k < 12; ++k) {
        Track t{"Piano " + std::to_string(k), 0, false, {}};
        t.resize_steps(16);
        for (std::size_t s = 0; s < 16; ++s)
            if (s % 4 != 3)
                for (int p = 48; p < 72; p += 3) t.at(s, p) = 127;
        mt.tracks.push_back(t);
    }
    return mt;
}
int peak_of(const test::Wav& w) {
    int peak = 0;
    for (auto v : w.samples) peak = std::max(peak, std::abs(static_cast<int>(v)));
    return peak;
}
}  // namespace

TEST_F(RenderWav, ALoudMixIsScaledDownInsteadOfClipped) {
    AudioOptions o;
    o.gain = 3.0;
    o.tail_seconds = 0.2;
    o.limit_peak = false;
    render_wav(loud_song(), dir_ / "clipped.wav", o);
    EXPECT_EQ(peak_of(test::read_wav(dir_ / "clipped.wav")), 32768);  // the test case really clips
    o.limit_peak = true;
    render_wav(loud_song(), dir_ / "limited.wav", o);
    const int peak = peak_of(test::read_wav(dir_ / "limited.wav"));
    EXPECT_LE(peak, static_cast<int>(kPeakLimit * 32767) + 1);
    EXPECT_GE(peak, static_cast<int>(kPeakLimit * 32767) - 1);  // scaled to the limit, not below it
}

TEST_F(RenderWav, TheStreamGivesTheFileBytesWithTheHeaderFirst) {
    AudioOptions o;
    o.gain = 3.0;
    o.tail_seconds = 0.2;
    render_wav(loud_song(), dir_ / "file.wav", o);
    WavStream stream(loud_song(), o);
    const std::string file = read_file(dir_ / "file.wav");
    EXPECT_EQ(stream.size(), file.size());
    std::string streamed;
    ASSERT_TRUE(stream.next(streamed));
    EXPECT_EQ(streamed.size(), 44u);  // the header alone, sizes included, before any synthesis
    EXPECT_EQ(streamed, file.substr(0, 44));
    int pieces = 1;
    while (stream.next(streamed)) ++pieces;
    EXPECT_GT(pieces, 10);  // given out a little at a time
    EXPECT_EQ(stream.position(), file.size());
    EXPECT_EQ(streamed, file);
    std::string after;
    EXPECT_FALSE(stream.next(after));
    EXPECT_TRUE(after.empty());
}

using test::resident_kib;

TEST_F(RenderWav, AKeptSoundfontIsSharedByOverlappingRendersAndChangesNoByte) {
    render_wav(one_note(), dir_ / "alone.wav");
    const long before = resident_kib();
    {
        const SoundfontKeeper keeper;
        EXPECT_EQ(keeper.soundfont(), kDefaultSoundfont);
        const long kept = resident_kib();
        EXPECT_GT(kept - before, 100 * 1024) << "the keeper holds FluidR3's 141 MB of samples";
        // Renders in sequence and at once share the kept samples: memory stays at one copy.
        render_wav(one_note(), dir_ / "kept.wav");
        std::vector<std::thread> renders;
        for (int k = 0; k < 4; ++k)
            renders.emplace_back([&, k] { render_wav(one_note(), dir_ / ("kept" + std::to_string(k) + ".wav")); });
        for (auto& t : renders) t.join();
        const long after = resident_kib();
        EXPECT_LT(after - kept, 40 * 1024) << kept << " KiB -> " << after << " KiB";
        EXPECT_EQ(read_file(dir_ / "kept.wav"), read_file(dir_ / "alone.wav"));
        for (int k = 0; k < 4; ++k) EXPECT_EQ(read_file(dir_ / ("kept" + std::to_string(k) + ".wav")), read_file(dir_ / "alone.wav"));
    }
    AudioOptions o;
    o.soundfont = dir_ / "nope.sf2";
    EXPECT_THROW(SoundfontKeeper{o}, IoError);
}
