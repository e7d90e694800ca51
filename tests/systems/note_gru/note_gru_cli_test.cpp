// The note GRU through the command line, built from the registry and its option tables: train, generate
// (MIDI, WAV, PNG) and eval --model, which reports the test split's NLL per token.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "corpus/song_loader.hpp"
#include "support/tiny_store.hpp"
#include "systems/note_gru/trainer.hpp"
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

}  // namespace

TEST(NoteGruCli, TrainGenerateAndEvalThroughTheOptionTables) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    if (!fs::exists(QUINTET_BINARY_DIR "/quintet-nn")) GTEST_SKIP() << "build the quintet_cli target for this test";
    const fs::path dir = test::fresh_test_path("note-gru-cli", "work-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path run = dir / "run";
    const std::string store = test::default_tiny_store().string();
    const Exit train = run_quintet("train note-rnn --corpus " + store + " --out " + run.string() +
                                       " --tokens events --chord-tokens pitch-class --hidden 12 --embedding 8 --window 16"
                                       " --epochs 1 --batch 4 --min-count 1 --quiet",
                                   dir);
    ASSERT_EQ(train.code, 0) << train.err;
    const std::string config = read_file(run / "config.json");
    EXPECT_NE(config.find("\"model\": \"note-rnn\""), std::string::npos) << config;
    EXPECT_NE(config.find("\"chord_tokens\": \"pitch-class\""), std::string::npos) << config;

    const Exit help = run_quintet("generate " + run.string() + " --help", dir);
    for (const char* option : {"--temperature", "--top-k", "--top-p", "--greedy", "--prime-bars", "--bars", "--prime"})
        EXPECT_NE(help.out.find(option), std::string::npos) << option << "\n" << help.out;

    const fs::path midi = dir / "song.mid";
    const Exit gen = run_quintet("generate " + run.string() + " -o " + midi.string() + " --wav " + (dir / "song.wav").string() +
                                     " --png " + (dir / "song.png").string() + " --bars 4 --seed 3 --tempo 100 --top-k 5",
                                 dir);
    ASSERT_EQ(gen.code, 0) << gen.err;
    const Multitrack song = load_song_file(midi);
    EXPECT_FALSE(song.tracks.empty());
    EXPECT_TRUE(fs::file_size(dir / "song.wav") > 44u);
    EXPECT_TRUE(fs::file_size(dir / "song.png") > 0u);

    const Exit eval = run_quintet("eval --model " + run.string() + " -n 2 --bars 4 --media 0 -j 1 -o " + (dir / "report").string(), dir);
    ASSERT_EQ(eval.code, 0) << eval.err;
    const std::string model = read_file(dir / "report" / "model.json");
    EXPECT_EQ(model.find("\"test_nll_per_token\": null"), std::string::npos) << model;
    EXPECT_NE(model.find("\"test_nll_per_token\": "), std::string::npos) << model;
    const auto nll = note_gru_split_likelihood(run, store, "test");
    ASSERT_TRUE(nll.has_value());
    EXPECT_NE(model.find("\"test_tokens\": " + std::to_string(nll->tokens)), std::string::npos) << model;

    // Bad input: one line, exit 2.
    for (const std::string& bad : {"train note-rnn --corpus " + store + " --out " + (dir / "x").string() + " --tokens bars",
                                  "train note-gru --corpus " + store + " --out " + (dir / "x").string() + " --batch 0 --quiet",
                                  "generate " + run.string() + " -o " + (dir / "y.mid").string() + " --temperature 0",
                                  "generate " + run.string() + " -o " + (dir / "y.mid").string() + " --prime /nowhere.mid"}) {
        const Exit r = run_quintet(bad, dir);
        EXPECT_EQ(r.code, 2) << bad << "\n" << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << bad << "\n" << r.err;
    }
    EXPECT_FALSE(fs::exists(dir / "y.mid"));
    fs::remove_all(dir);
}
