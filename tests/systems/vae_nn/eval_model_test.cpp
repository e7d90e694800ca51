// `quintet eval --model RUN`: a tiny VAE-NN run trained here (K=4, 1 epoch, the 6-song tiny store), then N
// songs sampled through the System interface and evaluated against the run's valid split.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "runs/run_dir.hpp"
#include "systems/registry.hpp"
#include "io/midi/midi_write.hpp"
#include "support/tiny_store.hpp"
#include "systems/vae_nn/trainer.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {

fs::path tmp_dir() {
    fs::path p = fs::path(QUINTET_BINARY_DIR) / "test-tmp" / ("eval-model-" + std::to_string(::getpid()));
    fs::create_directories(p);
    return p;
}

fs::path train_tiny_run(const fs::path& dir) {
    auto c = test::tiny_train_config(dir / "run", 1);
    train_vae_nn(c);
    return c.run_dir;
}

// The distinct values of the first column of a per_file.csv.
std::set<std::string> files_in_csv(const fs::path& csv) {
    std::istringstream in(read_file(csv));
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "file,scope,metric,value");
    std::set<std::string> files;
    while (std::getline(in, line)) files.insert(line.substr(0, line.find(',')));
    return files;
}

struct Exit {
    int code = -1;
    std::string err;
};
Exit run_quintet(const std::string& args, const fs::path& dir) {
    const fs::path err = dir / "stderr.txt";
    const std::string cmd = std::string(QUINTET_BINARY_DIR "/quintet ") + args + " > " + (dir / "stdout.txt").string() +
                            " 2> " + err.string();
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(err)};
}

}  // namespace

TEST(EvalModel, SamplesNSongsFromTheRunAndEvaluatesThemAgainstItsValidSplit) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path dir = tmp_dir();
    const fs::path run = train_tiny_run(dir);
    const fs::path report = dir / "report";
    const Exit r = run_quintet("eval --model " + run.string() + " -n 3 --blocks 2 --seed 5 --media 1 -j 1 -o " + report.string(), dir);
    ASSERT_EQ(r.code, 0) << r.err;

    // The songs: 3 MIDI files, song i sampled with seed 5 + i - 1 (the same bytes as sampling it here).
    auto system = make_system(describe_run(run).kind);
    auto settings = system->sample_settings();
    set_option(settings->options(), "--blocks", "2");
    auto sampler = system->open(run, "cpu");
    for (int i = 0; i < 3; ++i) {
        SampleRequest request;
        request.seed = std::uint64_t(5 + i);
        const Multitrack song = sampler->sample(request, *settings);
        const fs::path expected = dir / ("expected-" + std::to_string(i) + ".mid");
        write_midi(song, expected);
        EXPECT_EQ(read_file(report / "songs" / ("song-00" + std::to_string(i + 1) + ".mid")), read_file(expected)) << i;
        EXPECT_EQ(song.tracks.size(), 5u);
    }
    EXPECT_FALSE(fs::exists(report / "songs" / "song-004.mid"));

    // Generated rows name the 3 songs; reference rows are the tiny store's valid split (one song).
    EXPECT_EQ(files_in_csv(report / "per_file.csv"), (std::set<std::string>{"song-001.mid", "song-002.mid", "song-003.mid"}));
    std::set<std::string> valid;
    for (const auto& [name, split] : test::tiny_store_songs())
        if (split == Split::Valid) valid.insert(name);
    EXPECT_EQ(files_in_csv(report / "per_file_reference.csv"), valid);

    // model.json says what was sampled and that a VAE-NN has no test NLL (nothing is made up in its place).
    const std::string model = read_file(report / "model.json");
    EXPECT_NE(model.find("\"model\": \"vae-nn\""), std::string::npos) << model;
    EXPECT_NE(model.find("\"songs\": 3"), std::string::npos) << model;
    EXPECT_NE(model.find("\"test_nll_per_token\": null"), std::string::npos) << model;
    const std::string md = read_file(report / "report.md");
    EXPECT_NE(md.find("3 songs sampled from"), std::string::npos) << md;
    EXPECT_NE(md.find("defines no likelihood"), std::string::npos) << md;

    // The HTML report shows the run's curve (when the run drew one) and the first generated song.
    const std::string html = read_file(report / "index.html");
    EXPECT_NE(html.find("song-001.mid"), std::string::npos);
    if (fs::exists(run / "curve.png")) {
        EXPECT_NE(html.find("curve.png"), std::string::npos);
        EXPECT_EQ(read_file(report / "curve.png"), read_file(run / "curve.png"));
    }
    fs::remove_all(dir);
}

TEST(EvalModel, BadRunDirectoryExitsWith2AndOneLine) {
    const fs::path dir = tmp_dir();
    fs::create_directories(dir / "empty");
    fs::create_directories(dir / "alien");
    write_file_atomically(dir / "alien" / "config.json", "{\"model\": \"theremin\", \"corpus\": \"/nowhere.qstore\"}\n");
    fs::create_directories(dir / "broken");
    write_file_atomically(dir / "broken" / "config.json", "{\"model\": ");
    for (const std::string& bad : {"eval --model " + (dir / "missing").string(), "eval --model " + (dir / "empty").string(),
                                   "eval --model " + (dir / "alien").string(), "eval --model " + (dir / "broken").string(),
                                   "eval --model " + (dir / "empty").string() + " x.npz", std::string("eval x.npz")}) {
        const Exit r = run_quintet(bad, dir);
        EXPECT_EQ(r.code, 2) << bad;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << bad << ": " << r.err;
    }
    EXPECT_NE(run_quintet("eval --model " + (dir / "alien").string(), dir).err.find("'theremin'"), std::string::npos);
    fs::remove_all(dir);
}
