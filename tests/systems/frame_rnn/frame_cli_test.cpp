// The command line end to end: `corpus jsb`, `train frame-rnn`, `generate RUN --wav --png`, `eval --model RUN`
// through the option tables; bad input (a garbled JSB file, bad --notes-per-step) is one line and exit 2.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>

#include "support/shared_data.hpp"
#include "support/tiny_store.hpp"
#include "util/atomic_file.hpp"

namespace fs = std::filesystem;
using namespace quintet;

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

bool one_line(const std::string& s) { return std::count(s.begin(), s.end(), '\n') == 1; }

}  // namespace

TEST(FrameRnnCli, JsbStoreTrainGenerateEval) {
    QUINTET_REQUIRE_SHARED_DATA("jsb-chorales");
    const fs::path dir = test::fresh_test_path("frame-rnn-cli", "end-to-end");
    fs::create_directories(dir);
    const fs::path json = test::shared_data_dir() / "jsb-chorales" / "jsb-chorales-quarter.json";
    const std::string store = (dir / "jsb.store").string(), run = (dir / "run").string();
    Exit e = run_quintet("corpus jsb " + json.string() + " --out " + store, dir);
    ASSERT_EQ(e.code, 0) << e.err;
    EXPECT_NE(e.out.find("382"), std::string::npos) << e.out;  // 229 + 76 + 77 songs
    e = run_quintet("train frame-rnn --corpus " + store + " --out " + run +
                        " --tracks piano --pitch-range 21-108 --hidden 16 --epochs 1 --quiet",
                    dir);
    ASSERT_EQ(e.code, 0) << e.err;
    e = run_quintet("generate " + run + " --help", dir);
    for (const char* option : {"--temperature", "--notes-per-step", "--prime-steps", "--bars", "--seed", "--prime"})
        EXPECT_NE(e.out.find(option), std::string::npos) << option;
    e = run_quintet("generate " + run + " --out " + (dir / "x.mid").string() + " --wav " + (dir / "x.wav").string() + " --png " +
                        (dir / "x.png").string() + " --bars 4 --seed 3",
                    dir);
    ASSERT_EQ(e.code, 0) << e.err;
    EXPECT_GT(fs::file_size(dir / "x.mid"), 20u);
    EXPECT_GT(fs::file_size(dir / "x.png"), 100u);
    EXPECT_TRUE(fs::exists(dir / "x.wav"));
    e = run_quintet("eval --model " + run + " -n 2 --bars 4 --reference " + store, dir);
    ASSERT_EQ(e.code, 0) << e.err;
    EXPECT_NE(e.err.find("test-split NLL"), std::string::npos) << e.err;
    EXPECT_NE(e.err.find("nats/step, summed over its outputs (4725 steps)"), std::string::npos) << e.err;
    EXPECT_EQ(e.err.find("perplexity"), std::string::npos) << "a frame of independent cells has no perplexity: " << e.err;
    // Bad sampling options: one line, exit 2.
    e = run_quintet("generate " + run + " --out " + (dir / "y.mid").string() + " --notes-per-step piano=2", dir);
    EXPECT_EQ(e.code, 2);
    EXPECT_TRUE(one_line(e.err)) << e.err;
    EXPECT_FALSE(fs::exists(dir / "y.mid"));
}

TEST(FrameRnnCli, AGarbledJsbFileIsOneLine) {
    const fs::path dir = test::fresh_test_path("frame-rnn-cli", "garbled");
    fs::create_directories(dir);
    write_file_atomically(dir / "cut.json", "{\"train\": [[[60, 64], [62");
    write_file_atomically(dir / "bad.json", "{\"train\": [[[60, 64], [6x]]]}");
    for (const char* name : {"cut.json", "bad.json"}) {
        const Exit e = run_quintet("corpus jsb " + (dir / name).string() + " --out " + (dir / "s.store").string(), dir);
        EXPECT_EQ(e.code, 2) << name;
        EXPECT_TRUE(one_line(e.err)) << e.err;
        EXPECT_NE(e.err.find(name), std::string::npos) << e.err;
        EXPECT_FALSE(fs::exists(dir / "s.store"));
    }
}

TEST(FrameRnnCli, BadNotesPerStepForATrainedPerInstrumentRunIsOneLine) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path dir = test::fresh_test_path("frame-rnn-cli", "notes");
    fs::create_directories(dir);
    const std::string run = (dir / "run").string();
    Exit e = run_quintet("train frame-rnn --corpus " + test::default_tiny_store().string() + " --out " + run +
                             " --output per-instrument --hidden 8 --epochs 1 --quiet",
                         dir);
    ASSERT_EQ(e.code, 0) << e.err;
    for (const char* bad : {"piano=2,flute=3", "piano:2", "piano=2,piano=1", "guitar=-1"}) {
        e = run_quintet("generate " + run + " --out " + (dir / "z.mid").string() + " --notes-per-step " + bad, dir);
        EXPECT_EQ(e.code, 2) << bad;
        EXPECT_TRUE(one_line(e.err)) << bad << ": " << e.err;
    }
    e = run_quintet("generate " + run + " --out " + (dir / "z.mid").string() + " --notes-per-step piano=2,guitar=3 --bars 2", dir);
    EXPECT_EQ(e.code, 0) << e.err;
    e = run_quintet("train frame-rnn --corpus " + test::default_tiny_store().string() + " --out " + (dir / "r2").string() +
                        " --output sigmoid",
                    dir);
    EXPECT_EQ(e.code, 2);
    EXPECT_TRUE(one_line(e.err)) << e.err;
}
