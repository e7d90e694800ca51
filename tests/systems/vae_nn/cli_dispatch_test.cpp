// The CLI built from the registry and the option tables, on a trained VAE-NN run: the run's system decides
// which options `generate` takes, the shared options are spelled the same, the old names still work.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>

#include <array>
#include <vector>

#include "io/midi/midi.hpp"
#include "support/tiny_store.hpp"
#include "systems/vae_nn/trainer.hpp"
#include "util/atomic_file.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {

struct Exit {
    int code = -1;
    std::string out, err;
};

Exit run_quintet(const std::string& args, const fs::path& dir) {
    const fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
    const std::string cmd = std::string(QUINTET_BINARY_DIR "/quintet ") + args + " > " + out.string() + " 2> " + err.string();
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out), read_file(err)};
}

const fs::path& trained_run() {
    static const fs::path run = [] {
        const fs::path r = test::fresh_test_path("cli-dispatch", "run");
        train_vae_nn(test::tiny_train_config(r, 1));
        return r;
    }();
    return run;
}

}  // namespace

TEST(CliDispatch, GenerateHelpListsTheRunsSystemOptions) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path dir = trained_run().parent_path();
    const Exit help = run_quintet("generate " + trained_run().string() + " --help", dir);
    ASSERT_EQ(help.code, 0) << help.err;
    for (const char* option : {"--bars", "--seed", "--tempo", "--prime", "--device", "--wav", "--png", "--noise-sd",
                               "--blocks", "--seed-file", "--threshold", "--style", "--alpha"})
        EXPECT_NE(help.out.find(option), std::string::npos) << option << "\n" << help.out;
    // Without a run only the shared options exist; a VAE-NN option then needs the run to be named.
    const Exit plain = run_quintet("generate --help", dir);
    EXPECT_EQ(plain.code, 0);
    EXPECT_EQ(plain.out.find("--noise-sd"), std::string::npos) << plain.out;
    const Exit train_help = run_quintet("train --help", dir);
    EXPECT_NE(train_help.out.find("vae-nn"), std::string::npos) << train_help.out;
    const Exit vae_help = run_quintet("train vae --help", dir);  // the alias
    EXPECT_NE(vae_help.out.find("--latent"), std::string::npos) << vae_help.out;
    EXPECT_NE(vae_help.out.find("--corpus"), std::string::npos) << vae_help.out;
}

TEST(CliDispatch, PrimeIsSeedFileAndBarsRoundUpToBlocks) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path dir = trained_run().parent_path();
    const std::string run = trained_run().string();
    const std::string prime = (test::shared_data_dir() / "lpd5" / "mma__solo_solo.npz").string();
    ASSERT_EQ(run_quintet("generate " + run + " -o " + (dir / "a.mid").string() + " --prime " + prime + " --bars 10", dir).code, 0);
    ASSERT_EQ(run_quintet("generate " + run + " -o " + (dir / "b.mid").string() + " --seed-file " + prime + " --blocks 3", dir).code, 0);
    EXPECT_EQ(read_file(dir / "a.mid"), read_file(dir / "b.mid"));  // 10 bars -> 3 blocks of 4 bars
    const Exit both = run_quintet("generate " + run + " -o x.mid --prime " + prime + " --seed-file " + prime, dir);
    EXPECT_EQ(both.code, 2);
    EXPECT_NE(both.err.find("--prime and --seed-file"), std::string::npos) << both.err;
    for (const std::string bad : {" --bars 0", " --bars two", " --no-such-option 1", " --noise-at sideways", " --alpha 2", " --bars 10001"}) {
        const Exit r = run_quintet("generate " + run + " -o x.mid" + bad, dir);
        EXPECT_EQ(r.code, 2) << bad;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << bad << ": one line\n" << r.err;
    }
    // A directory that is not a run: one line that says so, not an unknown option.
    const Exit not_run = run_quintet("generate " + dir.string() + " -o x.mid --noise-sd 1", dir);
    EXPECT_EQ(not_run.code, 2);
    EXPECT_NE(not_run.err.find("not a run directory"), std::string::npos) << not_run.err;
}

TEST(CliDispatch, UnknownSystemsAreRefusedByName) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path dir = test::fresh_test_path("cli-dispatch", "foreign");
    fs::create_directories(dir);
    write_file_atomically(dir / "config.json", "{\"model\": \"theremin-gan\", \"corpus\": \"/nowhere\"}\n");
    const Exit r = run_quintet("generate " + dir.string() + " -o x.mid", dir);
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("'theremin-gan' is not a system of this build"), std::string::npos) << r.err;
    const Exit t = run_quintet("train theremin-gan --corpus x --out y", dir);
    EXPECT_EQ(t.code, 2);
}

TEST(CliDispatch, FromKeepsTheLockedInstrumentsOfAMidiSong) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path dir = trained_run().parent_path();
    const std::string run = trained_run().string();
    const std::string a = (dir / "keep-a.mid").string(), b = (dir / "keep-b.mid").string();
    ASSERT_EQ(run_quintet("generate " + run + " -o " + a + " --bars 16 --seed 3", dir).code, 0);
    const Exit r = run_quintet("generate " + run + " -o " + b + " --from " + a + " --keep piano,bass --seed 4", dir);
    ASSERT_EQ(r.code, 0) << r.err;
    // The notes of a named track, as (pitch, on, off, velocity), from the MIDI reader.
    auto notes_of = [](const std::string& file, const std::string& name) {
        const MidiFile m = read_midi(file);
        std::vector<std::array<std::int64_t, 4>> out;
        for (const auto& n : m.notes)
            if (m.tracks[std::size_t(n.track)].name == name) out.push_back({n.pitch, n.on_tick, n.off_tick, n.velocity});
        return out;
    };
    for (const char* kept : {"Piano", "Bass"}) {
        EXPECT_GT(notes_of(a, kept).size(), 0u) << kept;
        EXPECT_EQ(notes_of(a, kept), notes_of(b, kept)) << kept;
    }
    int changed = 0;
    for (const char* other : {"Drums", "Guitar", "Strings"}) changed += notes_of(a, other) != notes_of(b, other);
    EXPECT_GE(changed, 1);
    const Exit bad = run_quintet("generate " + run + " -o x.mid --keep piano", dir);
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("--keep needs --from"), std::string::npos) << bad.err;
}

// A user's folder of one instrument (issue 13): train says which instruments the corpus lacks and that its few
// windows give the VAEs few updates; the songs keep the absent instruments silent whatever they decode.
TEST(CliDispatch, APianoFolderTrainsWithItsNotesAndGivesPianoOnlySongs) {
    QUINTET_REQUIRE_SHARED_DATA("midi/classical-piano");
    const fs::path dir = test::fresh_test_path("cli-dispatch", "piano");
    fs::create_directories(dir / "midi");
    for (const char* piece : {"bach-prelude-c-major-bwv846.mid"})
        fs::copy_file(test::shared_data_dir() / "midi" / "classical-piano" / piece, dir / "midi" / piece);
    const Exit corpus = run_quintet("corpus build " + (dir / "midi").string() + " -o " + (dir / "piano.qstore").string(), dir);
    ASSERT_EQ(corpus.code, 0) << corpus.err;
    const std::string run = (dir / "run").string();
    const Exit train = run_quintet("train vae --corpus " + (dir / "piano.qstore").string() + " --out " + run +
                                       " --epochs 1 --net-epochs 1 --latent 4",
                                   dir);
    ASSERT_EQ(train.code, 0) << train.err;
    EXPECT_NE(train.err.find("no notes for guitar, bass, strings, drums in the train split"), std::string::npos) << train.err;
    EXPECT_NE(train.err.find("give the VAEs 1 updates; fewer than 90"), std::string::npos) << train.err;
    // One epoch: the VAEs decode noise, so without the corpus rules every track would sound at threshold 0.01.
    const Exit song = run_quintet("generate " + run + " -o " + (dir / "song.mid").string() + " --bars 16 --threshold 0.01", dir);
    ASSERT_EQ(song.code, 0) << song.err;
    const MidiFile midi = read_midi(dir / "song.mid");
    std::size_t piano = 0, others = 0;
    for (const auto& n : midi.notes) (n.channel == 9 || n.program != 0 ? others : piano) += 1;
    EXPECT_GT(piano, 0u);
    EXPECT_EQ(others, 0u);
}
