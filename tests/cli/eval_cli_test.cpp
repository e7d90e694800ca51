// `quintet eval` end to end on small npz files: the report folder, and one-line errors with exit code 2.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "corpus/store_writer.hpp"
#include "io/npz/npz.hpp"
#include "roll/multitrack.hpp"
#include "roll/operations.hpp"
#include "support/shared_data.hpp"

namespace fs = std::filesystem;
using namespace quintet;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct CliRun {
    int code = -1;
    std::string out, err;
};

CliRun run_quintet(const std::string& args, const fs::path& dir) {
    const fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
    const std::string cmd = std::string(QUINTET_BINARY_DIR) + "/quintet " + args + " > " + out.string() + " 2> " + err.string();
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

// Five LPD-5 tracks, one bar: piano chord C4 E4 G4 for a beat, bass C2 for the bar.
Multitrack song(int top_pitch) {
    Multitrack mt = empty_lpd5(96, 24);
    for (int p : {60, 64, top_pitch})
        for (int s = 0; s < 24; ++s) mt.tracks[1].at(s, p) = 100;
    for (int s = 0; s < 96; ++s) mt.tracks[3].at(s, 36) = 90;
    return mt;
}

class EvalCli : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("quintet_eval_cli_" + std::to_string(::getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir / "gen");
        write_npz(song(67), dir / "gen" / "one.npz");
        write_npz(song(71), dir / "ref.npz");
    }
    void TearDown() override { fs::remove_all(dir); }
    fs::path dir;
};

}  // namespace

TEST_F(EvalCli, WritesTheReportFolder) {
    const CliRun r = run_quintet("eval " + (dir / "gen").string() + " --reference " + (dir / "ref.npz").string() + " -o " +
                              (dir / "report").string(), dir);
    ASSERT_EQ(r.code, 0) << r.err;
    // Markdown table on stdout: song pitch range 67-36 = 31 generated, 71-36 = 35 reference.
    EXPECT_NE(r.out.find("| song | pitch_range | 31 | 35 | -4 |"), std::string::npos) << r.out;
    const std::string csv = slurp(dir / "report" / "per_file.csv");
    EXPECT_EQ(csv.rfind("file,scope,metric,value\n", 0), 0u);
    EXPECT_NE(csv.find("one.npz,song,pitch_range,31\n"), std::string::npos);
    EXPECT_NE(csv.find("one.npz,piano,UPC,3.0\n"), std::string::npos);
    EXPECT_NE(slurp(dir / "report" / "per_file_reference.csv").find("ref.npz,song,pitch_range,35\n"), std::string::npos);
    const auto js = nlohmann::json::parse(slurp(dir / "report" / "report.json"));  // valid JSON (NaN as null)
    EXPECT_EQ(js["generated_songs"], 1);
    bool found = false;
    for (const auto& m : js["metrics"])
        if (m["scope"] == "song" && m["metric"] == "pitch_range") {
            found = true;
            EXPECT_EQ(m["generated"], 31);
            EXPECT_EQ(m["reference"], 35);
            EXPECT_EQ(m["difference"], -4);
        }
    EXPECT_TRUE(found);
    EXPECT_EQ(js["metrics"].back()["metric"], "copied_bar_share");
    EXPECT_EQ(slurp(dir / "report" / "report.md"), r.out);
}

TEST_F(EvalCli, MaxSongsKeepsEvenlySpacedSongs) {
    for (int k = 2; k <= 4; ++k) write_npz(song(60 + k), dir / "gen" / ("song" + std::to_string(k) + ".npz"));
    const CliRun r = run_quintet("eval " + (dir / "gen").string() + " -r " + (dir / "ref.npz").string() +
                                     " --max-songs 2 -o " + (dir / "two").string(), dir);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("Generated: 2 songs"), std::string::npos);
    const std::string csv = slurp(dir / "two" / "per_file.csv");  // sorted: one, song2, song3, song4 -> one, song3
    EXPECT_NE(csv.find("one.npz,song,"), std::string::npos);
    EXPECT_NE(csv.find("song3.npz,song,"), std::string::npos);
    EXPECT_EQ(csv.find("song2.npz"), std::string::npos);
}

TEST_F(EvalCli, ParallelJobsGiveTheSameReportAndStopAtABadSong) {
    for (int k = 2; k <= 5; ++k) write_npz(song(60 + k), dir / "gen" / ("song" + std::to_string(k) + ".npz"));
    const std::string base = "eval " + (dir / "gen").string() + " -r " + (dir / "ref.npz").string() + " --json";
    const CliRun one = run_quintet(base + " -j 1", dir), three = run_quintet(base + " -j 3", dir);
    ASSERT_EQ(one.code, 0) << one.err;
    ASSERT_EQ(three.code, 0) << three.err;
    EXPECT_EQ(one.out, three.out);
    std::ofstream(dir / "gen" / "song3.npz", std::ios::trunc) << "broken";
    const CliRun bad = run_quintet(base + " -j 3", dir);
    EXPECT_EQ(bad.code, 2);
    // Progress lines of the songs before it, then the error as one last line naming the bad file.
    const auto last = bad.err.substr(bad.err.rfind('\n', bad.err.size() - 2) + 1);
    EXPECT_EQ(last.rfind("quintet: error: ", 0), 0u) << bad.err;
    EXPECT_NE(last.find("song3.npz"), std::string::npos) << bad.err;
    EXPECT_EQ(bad.err.find("quintet: error"), bad.err.rfind("quintet: error")) << bad.err;
}

TEST_F(EvalCli, JsonOnStdout) {
    const CliRun r = run_quintet("eval " + (dir / "gen" / "one.npz").string() + " -r " + (dir / "ref.npz").string() + " --json", dir);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("{", 0), 0u);
    EXPECT_NE(r.out.find("\"reference_songs\": 1"), std::string::npos);
}

TEST_F(EvalCli, BadInputIsOneLineAndExitTwo) {
    std::ofstream(dir / "junk.npz") << "this is not a zip file";
    std::ofstream(dir / "notes.txt") << "hello";
    for (const std::string& args :
         {"eval " + (dir / "missing.npz").string() + " --reference " + (dir / "ref.npz").string(),
          "eval " + (dir / "junk.npz").string() + " --reference " + (dir / "ref.npz").string(),
          "eval " + (dir / "gen").string() + " --reference " + (dir / "notes.txt").string(),
          "eval " + (dir / "gen").string() + " --reference " + (dir / "ref.npz").string() + " --split nope",
          "eval " + (dir / "gen").string()}) {
        const CliRun r = run_quintet(args, dir);
        EXPECT_EQ(r.code, 2) << args;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
        EXPECT_EQ(r.err.rfind("quintet: error: ", 0), 0u) << r.err;
    }
}

// A MIDI file and the LPD .npz the original LPD code made from it give the same metrics.
TEST_F(EvalCli, MidiInputMatchesItsLpdNpz) {
    QUINTET_REQUIRE_SHARED_DATA("midi/mma/delay_solo.mid");
    QUINTET_REQUIRE_SHARED_DATA("lpd5/mma__delay_solo.npz");
    const auto data = quintet::test::shared_data_dir();
    const CliRun r = run_quintet("eval " + (data / "midi/mma/delay_solo.mid").string() + " --reference " +
                                     (data / "lpd5/mma__delay_solo.npz").string() + " -o " + (dir / "midi").string(), dir);
    ASSERT_EQ(r.code, 0) << r.err;
    auto values = [](std::string csv) {  // drop the file column
        std::string out;
        std::istringstream in(csv);
        for (std::string line; std::getline(in, line);) out += line.substr(line.find(',')) + "\n";
        return out;
    };
    const std::string gen = values(slurp(dir / "midi" / "per_file.csv"));
    EXPECT_GT(gen.size(), 1000u);
    EXPECT_EQ(gen, values(slurp(dir / "midi" / "per_file_reference.csv")));
}

// A corpus store as the reference: only the chosen split, songs named by their id, coarse store
// resolutions brought to 24 steps per beat note by note.
TEST_F(EvalCli, CorpusStoreReferenceBySplit) {
    // The store holds song(67) at 4 steps per beat (a beat-long chord = 4 steps): same notes as one.npz.
    auto at_4_steps_per_beat = [](Multitrack mt) {
        mt.resolution = 4;
        for (auto& t : mt.tracks) {
            Track small = t;
            small.roll.assign(16 * kPitches, 0);
            for (std::size_t s = 0; s < 16; ++s)
                for (int p = 0; p < kPitches; ++p) small.at(s, p) = t.at(s * 6, p);
            t = small;
        }
        return mt;
    };
    const Multitrack coarse = at_4_steps_per_beat(song(67));
    write_store(dir / "corpus.qstore", 4, [&](StoreWriter& w) {
        SongInfo valid;
        valid.id = "lpd/abc/valid-song";
        valid.split = Split::Valid;
        w.add(valid, coarse);
        SongInfo train;
        train.id = "train-song";
        train.split = Split::Train;
        w.add(train, at_4_steps_per_beat(song(71)));
    });
    CliRun r = run_quintet("eval " + (dir / "gen").string() + " -r " + (dir / "corpus.qstore").string() + " -o " +
                               (dir / "store").string(), dir);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("reference: 1 songs"), std::string::npos) << r.out;  // valid split by default
    EXPECT_NE(r.out.find("| song | pitch_range | 31 | 31 | 0 |"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("| piano | UPC | 3 | 3 | 0 |"), std::string::npos) << r.out;
    EXPECT_NE(slurp(dir / "store" / "per_file_reference.csv").find("valid-song,song,pitch_range,31\n"), std::string::npos);
    r = run_quintet("eval " + (dir / "gen").string() + " -r " + (dir / "corpus.qstore").string() + " --split all", dir);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("reference: 2 songs"), std::string::npos);
}
