// `quintet render|inspect|convert` run as a user would: the real binary on files from ../shared/data.
// Needs the whole output stack (audio, images, npz); a build without one of them skips this file.
#include <gtest/gtest.h>
#if defined(QUINTET_HAVE_AUDIO) && defined(QUINTET_HAVE_IMAGES) && defined(QUINTET_HAVE_ZIP)

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "io/image/pianoroll_image.hpp"
#include "io/image/png_io.hpp"
#include "io/midi/midi.hpp"
#include "io/npz/npz.hpp"
#include "roll/notes.hpp"
#include "support/shared_data.hpp"
#include "util/atomic_file.hpp"

namespace fs = std::filesystem;
using namespace quintet;

namespace {

struct CliResult {
    int code = -1;
    std::string out, err;
};

class RenderCli : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("quintet_render_cli_" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // Runs `quintet ARGS` with stdout and stderr captured; env is prepended (e.g. "QUINTET_SOUNDFONT=x").
    CliResult run_quintet(const std::string& args, const std::string& env = "") {
        const std::string cmd = (env.empty() ? "" : "env " + env + " ") + QUINTET_BINARY_DIR "/quintet " + args +
                                " > " + (dir_ / "stdout.txt").string() + " 2> " + (dir_ / "stderr.txt").string();
        const int status = std::system(cmd.c_str());
        CliResult r;
        r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.out = read_file(dir_ / "stdout.txt");
        r.err = read_file(dir_ / "stderr.txt");
        fs::remove(dir_ / "stdout.txt");
        fs::remove(dir_ / "stderr.txt");
        return r;
    }
    std::vector<std::string> files() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
        return names;
    }
    fs::path dir_;
};

fs::path data(const std::string& rel) { return test::shared_data_dir() / rel; }

// One row of lpd5/manifest.csv by name: the reference counts written by the original LPD code.
std::map<std::string, std::string> manifest_row(const std::string& name) {
    std::ifstream in(data("lpd5/manifest.csv"));
    std::string line;
    auto split = [](const std::string& s) {
        std::vector<std::string> out(1);
        bool quoted = false;
        for (char c : s) {
            if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) out.emplace_back();
            else out.back() += c;
        }
        return out;
    };
    std::getline(in, line);
    const auto header = split(line);
    while (std::getline(in, line)) {
        const auto f = split(line);
        if (f.empty() || f[0] != name) continue;
        std::map<std::string, std::string> row;
        for (std::size_t i = 0; i < header.size() && i < f.size(); ++i) row[header[i]] = f[i];
        return row;
    }
    return {};
}

std::uint32_t le32(const std::string& s, std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(s[at + i]);
    return v;
}

int lines(const std::string& s) {
    int n = 0;
    for (char c : s) n += c == '\n';
    return n;
}

const char* kFamilies[] = {"Drums", "Piano", "Guitar", "Bass", "Strings"};

}  // namespace

TEST_F(RenderCli, RendersAMidiFileToWavAndPng) {
    QUINTET_REQUIRE_SHARED_DATA("midi/mma/delay_solo.mid");
    if (!fs::exists("/usr/share/sounds/sf2/FluidR3_GM.sf2")) QUINTET_SKIP_OR_FAIL("fluid-soundfont-gm not installed");
    const auto wav = dir_ / "solo.wav", png = dir_ / "solo.png";
    const CliResult r = run_quintet("render " + data("midi/mma/delay_solo.mid").string() + " --wav " + wav.string() + " --png " +
                          png.string());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_NE(r.out.find("wrote " + wav.string()), std::string::npos);
    // The manifest says 432 steps at 24 per beat and a constant 120 bpm: 9.0 s, plus the 1.5 s tail.
    const auto row = manifest_row("mma__delay_solo");
    ASSERT_EQ(row.at("T"), "432");
    const std::string bytes = read_file(wav);
    ASSERT_GT(bytes.size(), 44u);
    EXPECT_EQ(bytes.substr(0, 4), "RIFF");
    EXPECT_EQ(bytes.substr(8, 4), "WAVE");
    EXPECT_EQ(le32(bytes, 24), 44100u);
    EXPECT_EQ(le32(bytes, 40), 10.5 * 44100 * 4);
    // Not silent: some sample in the first 9 s is loud.
    int loud = 0;
    for (std::size_t i = 44; i + 1 < 44 + 9 * 44100 * 4; i += 2)
        loud += std::abs(static_cast<std::int16_t>(le32(bytes, i) & 0xffff)) > 1000;
    EXPECT_GT(loud, 1000);

    const Image img = read_png(png);
    EXPECT_GT(img.width, 300);
    EXPECT_GT(img.height, 5 * 22);
    // Each instrument the manifest lists as non-empty shows up in its note colours (any velocity).
    for (int f = 0; f < 5; ++f) {
        const bool nonempty = row.at(std::string("nnz_") + kFamilies[f]) != "0";
        const auto family = instrument_colour_of(Track{kFamilies[f], 0, f == 0, {}});
        std::set<std::tuple<int, int, int>> shades;
        for (int v = 1; v < 128; ++v) {
            const Rgb c = note_rgb(family, v);
            shades.insert({c.r, c.g, c.b});
        }
        int n = 0;
        for (int y = 0; y < img.height; ++y)
            for (int x = 0; x < img.width; ++x) {
                const Rgb c = img.pixel(x, y);
                n += shades.count({c.r, c.g, c.b}) > 0;
            }
        if (nonempty) {
            EXPECT_GT(n, 20) << kFamilies[f];
        } else {
            EXPECT_EQ(n, 0) << kFamilies[f];
        }
    }
}

TEST_F(RenderCli, RendersAnNpzToPng) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5/mma__midi-inc_frankie2.npz");
    const auto png = dir_ / "f.png";
    const CliResult r = run_quintet("render " + data("lpd5/mma__midi-inc_frankie2.npz").string() + " --png " + png.string());
    ASSERT_EQ(r.code, 0) << r.err;
    const Image img = read_png(png);
    EXPECT_EQ(img.width, pianoroll_layout(read_npz(data("lpd5/mma__midi-inc_frankie2.npz"))).width);
}

TEST_F(RenderCli, CorruptMidiIsOneLineExitTwoAndNoOutput) {
    // A header that promises a track, then a track chunk cut short in the middle of an event.
    write_file_atomically(dir_ / "bad.mid", std::string("MThd\0\0\0\6\0\1\0\1\1\xe0MTrk\0\0\0\x40\0\x90\x3c", 25));
    const CliResult r = run_quintet("render " + (dir_ / "bad.mid").string() + " --wav " + (dir_ / "o.wav").string() + " --png " +
                          (dir_ / "o.png").string());
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("bad.mid"), std::string::npos) << r.err;
    EXPECT_EQ(files(), std::vector<std::string>{"bad.mid"});
}

TEST_F(RenderCli, MissingSoundfontIsOneLineExitTwoAndNoOutput) {
    QUINTET_REQUIRE_SHARED_DATA("midi/mma/delay_solo.mid");
    const std::string out = " --wav " + (dir_ / "o.wav").string() + " --png " + (dir_ / "o.png").string();
    CliResult r = run_quintet("render " + data("midi/mma/delay_solo.mid").string() + out + " --soundfont /nonexistent/gm.sf2");
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "quintet: error: soundfont not found: /nonexistent/gm.sf2 "
                     "(install fluid-soundfont-gm or set QUINTET_SOUNDFONT)\n");
    EXPECT_TRUE(files().empty());
    // The same through the environment.
    r = run_quintet("render " + data("midi/mma/delay_solo.mid").string() + out, "QUINTET_SOUNDFONT=/nonexistent/env.sf2");
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(lines(r.err), 1);
    EXPECT_NE(r.err.find("/nonexistent/env.sf2"), std::string::npos);
    EXPECT_TRUE(files().empty());
}

TEST_F(RenderCli, AFailedPictureTakesTheWavWithIt) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5/mma__delay_solo.npz");
    if (!fs::exists("/usr/share/sounds/sf2/FluidR3_GM.sf2")) QUINTET_SKIP_OR_FAIL("fluid-soundfont-gm not installed");
    const CliResult r = run_quintet("render " + data("lpd5/mma__delay_solo.npz").string() + " --wav " +
                                    (dir_ / "o.wav").string() + " --png /nonexistent/dir/o.png");
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_TRUE(files().empty());
}

TEST_F(RenderCli, UsageMistakesExitTwo) {
    EXPECT_EQ(run_quintet("render x.mid").code, 2);                           // nothing to write
    EXPECT_EQ(run_quintet("render x.txt --png " + (dir_ / "a.png").string()).code, 2);  // unknown type
    EXPECT_EQ(run_quintet("render /nonexistent/x.mid --png " + (dir_ / "a.png").string()).code, 2);
    EXPECT_EQ(run_quintet("convert a.mid b.wav").code, 2);
    EXPECT_TRUE(files().empty());
}

TEST_F(RenderCli, InspectCountsMatchTheLpdManifest) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5/mma__midi-inc_frankie2.npz");
    const CliResult r = run_quintet("inspect --json " + data("lpd5/mma__midi-inc_frankie2.npz").string());
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    const auto row = manifest_row("mma__midi-inc_frankie2");
    EXPECT_EQ(j["resolution"], 24);
    EXPECT_EQ(std::to_string(j["steps"].get<std::size_t>()), row.at("T"));
    ASSERT_EQ(j["tracks"].size(), 5u);
    for (int f = 0; f < 5; ++f) {
        EXPECT_EQ(j["tracks"][f]["name"], kFamilies[f]);
        EXPECT_EQ(std::to_string(j["tracks"][f]["cells"].get<std::size_t>()), row.at(std::string("nnz_") + kFamilies[f]));
    }
    EXPECT_EQ(j["tracks"][0]["is_drum"], true);
    EXPECT_DOUBLE_EQ(j["tempo"]["first"].get<double>(), std::stod(row.at("tempo_first")));

    const CliResult text = run_quintet("inspect " + data("lpd5/mma__midi-inc_frankie2.npz").string());
    ASSERT_EQ(text.code, 0);
    EXPECT_NE(text.out.find("resolution  24 steps per beat"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("Strings"), std::string::npos);
}

TEST_F(RenderCli, InspectLengthInSeconds) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5/mma__delay_solo.npz");
    const CliResult r = run_quintet("inspect --json " + data("lpd5/mma__delay_solo.npz").string());
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    // The manifest: 432 steps, constant 120 bpm; at 24 steps per beat that is 9 s and 4.5 bars of 4/4.
    ASSERT_EQ(manifest_row("mma__delay_solo").at("T"), "432");
    EXPECT_NEAR(j["seconds"].get<double>(), 9.0, 1e-9);
    EXPECT_EQ(j["tempo"]["changes"], 0);
    EXPECT_EQ(j["bars"], 5);
}

TEST_F(RenderCli, InspectMidiShowsTheFileHeader) {
    QUINTET_REQUIRE_SHARED_DATA("midi/mma/delay_solo.mid");
    const CliResult r = run_quintet("inspect --json " + data("midi/mma/delay_solo.mid").string());
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    const MidiFile m = read_midi(data("midi/mma/delay_solo.mid"), {NotePairing::pretty_midi});
    EXPECT_EQ(j["midi"]["ticks_per_beat"], m.ticks_per_beat);
    EXPECT_EQ(j["midi"]["notes"], m.notes.size());
    EXPECT_EQ(j["source"], "midi");
}

TEST_F(RenderCli, ConvertMidiToNpzMatchesTheLpdReference) {
    QUINTET_REQUIRE_SHARED_DATA("midi/mma/midi-inc_frankie2.mid");
    const auto npz = dir_ / "f.npz";
    const CliResult r = run_quintet("convert " + data("midi/mma/midi-inc_frankie2.mid").string() + " " + npz.string());
    ASSERT_EQ(r.code, 0) << r.err;
    const Multitrack ours = read_npz(npz);
    const Multitrack ref = read_npz(data("lpd5/mma__midi-inc_frankie2.npz"));
    ASSERT_EQ(ours.tracks.size(), 5u);
    EXPECT_EQ(ours.resolution, 24);
    for (int f = 0; f < 5; ++f) {
        EXPECT_EQ(ours.tracks[f].name, kFamilies[f]);
        EXPECT_EQ(ours.tracks[f].nnz(), ref.tracks[f].nnz()) << kFamilies[f];
    }
}

TEST_F(RenderCli, ConvertNpzToMidiKeepsEveryNote) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5/mma__midi-inc_frankie2.npz");
    const auto mid = dir_ / "f.mid";
    const CliResult r = run_quintet("convert " + data("lpd5/mma__midi-inc_frankie2.npz").string() + " " + mid.string());
    ASSERT_EQ(r.code, 0) << r.err;
    const Multitrack ref = read_npz(data("lpd5/mma__midi-inc_frankie2.npz"));
    const MidiFile m = read_midi(mid);
    // Every run of the reference roll is one MIDI note; drums on channel 10 (index 9).
    std::size_t drum_notes = 0, total = 0;
    for (const auto& n : m.notes) drum_notes += n.channel == 9;
    for (const auto& t : ref.tracks) total += track_notes(t).size();
    EXPECT_EQ(m.notes.size(), total);
    EXPECT_EQ(drum_notes, track_notes(ref.tracks[0]).size());
    EXPECT_GT(drum_notes, 0u);
}

#endif  // QUINTET_HAVE_AUDIO && QUINTET_HAVE_IMAGES && QUINTET_HAVE_ZIP
