// `quintet corpus build|demo|stats` run as a user runs them: the built binary, its exit codes and output.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "corpus/store.hpp"
#include "support/shared_data.hpp"
#include "util/atomic_file.hpp"

namespace quintet {
namespace {
namespace fs = std::filesystem;

struct CliRun {
    int code = -1;
    std::string out, err;
};

fs::path temp_dir(const std::string& name) {
    fs::path d = fs::temp_directory_path() / ("quintet_corpus_cli_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

CliRun quintet_cli(const std::string& args, const fs::path& dir) {
    const fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
    const std::string cmd = std::string("'") + QUINTET_BINARY_DIR + "/quintet' " + args + " >'" + out.string() + "' 2>'" +
                            err.string() + "' </dev/null";
    const int status = std::system(cmd.c_str());
    CliRun r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
}

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

// One CSV line; fields may be double-quoted (with commas inside).
std::vector<std::string> csv_fields(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (char c : line) {
        if (c == '"') quoted = !quoted;
        else if (c == ',' && !quoted) out.emplace_back();
        else out.back() += c;
    }
    return out;
}

// Non-zero counts per LPD-5 family from ../shared/data/lpd5/manifest.csv, keyed by name.
std::map<std::string, std::vector<std::size_t>> manifest_nnz() {
    std::ifstream in(test::shared_data_dir() / "lpd5" / "manifest.csv");
    std::string line;
    std::getline(in, line);
    const std::vector<std::string> header = csv_fields(line);
    const auto col = [&](const std::string& n) { return std::find(header.begin(), header.end(), n) - header.begin(); };
    const long first = col("nnz_Drums");
    std::map<std::string, std::vector<std::size_t>> out;
    while (std::getline(in, line)) {
        const std::vector<std::string> f = csv_fields(line);
        if (static_cast<long>(f.size()) < first + 5 || f[first].empty()) continue;  // not converted
        std::vector<std::size_t> nnz;
        for (int k = 0; k < 5; ++k) nnz.push_back(std::stoul(f[first + k]));
        out[f[0]] = nnz;
    }
    return out;
}

const char* kSmallNpz[] = {"mma__midi-inc_drum", "mma__misc_extended-voice", "mma__triggers_trunc"};

#ifdef QUINTET_HAVE_ZIP
TEST(CorpusCli, BuildsNpzFolderAt24StepsAndKeepsEveryNoteCell) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path dir = temp_dir("npz24");
    fs::create_directories(dir / "src" / "sub");
    for (const char* name : kSmallNpz) fs::copy_file(test::shared_data_dir() / "lpd5" / (std::string(name) + ".npz"), dir / "src" / "sub" / (std::string(name) + ".npz"));
    write_file_atomically(dir / "src" / "broken.npz", "PK\x03\x04 this is not a zip archive");
    write_file_atomically(dir / "src" / "readme.txt", "ignored");

    const CliRun r = quintet_cli("corpus build '" + (dir / "src").string() + "' -o '" + (dir / "s.qstore").string() + "' --resolution 24", dir);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("wrote 3 of 4 songs"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("skipped 1 unreadable"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("warning: skipped " + (dir / "src" / "broken.npz").string()), std::string::npos) << r.err;

    // At the source resolution the store holds the source's cells unchanged: the non-zero counts per
    // family equal those the original LPD code produced (manifest.csv).
    const auto expected = manifest_nnz();
    const CorpusStore store = CorpusStore::open(dir / "s.qstore");
    ASSERT_EQ(store.size(), 3u);
    EXPECT_EQ(store.resolution(), 24);
    for (std::size_t i = 0; i < store.size(); ++i) {
        const SongInfo& s = store.song(i);
        const std::string name = fs::path(s.id).stem().string();
        ASSERT_TRUE(expected.count(name)) << s.id;
        EXPECT_EQ(s.origin, "sub/" + name + ".npz");
        for (int f = 0; f < 5; ++f) {
            const std::uint8_t* roll = store.roll(i, f);
            const auto nnz = static_cast<std::size_t>(std::count_if(roll, roll + s.steps * 128, [](std::uint8_t v) { return v != 0; }));
            EXPECT_EQ(nnz, expected.at(name)[f]) << name << " family " << f;
        }
    }
    fs::remove_all(dir);
}

TEST(CorpusCli, BuildAtDefaultResolutionThenStats) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path dir = temp_dir("stats");
    fs::create_directories(dir / "src");
    for (const char* name : kSmallNpz) fs::copy_file(test::shared_data_dir() / "lpd5" / (std::string(name) + ".npz"), dir / "src" / (std::string(name) + ".npz"));
    const CliRun b = quintet_cli("corpus build '" + (dir / "src").string() + "' -o '" + (dir / "s.qstore").string() + "' -q", dir);
    ASSERT_EQ(b.code, 0) << b.err;
    EXPECT_EQ(b.err, "");  // --quiet
    const CliRun s = quintet_cli("corpus stats '" + (dir / "s.qstore").string() + "'", dir);
    ASSERT_EQ(s.code, 0) << s.err;
    EXPECT_NE(s.out.find("songs        3 ("), std::string::npos) << s.out;
    EXPECT_NE(s.out.find("resolution   2 steps per beat"), std::string::npos) << s.out;
    // mma__midi-inc_drum has only drums, extended-voice piano and strings, trunc only strings:
    // Guitar and Bass are empty in all three songs.
    EXPECT_NE(s.out.find("Guitar                0       3 100.0%"), std::string::npos) << s.out;
    EXPECT_NE(s.out.find("Bass                  0       3 100.0%"), std::string::npos) << s.out;

    const CliRun l = quintet_cli("corpus list '" + (dir / "s.qstore").string() + "'", dir);
    ASSERT_EQ(l.code, 0) << l.err;
    EXPECT_EQ(lines(l.out), 3u) << l.out;
    EXPECT_NE(l.out.find("\tmma__midi-inc_drum.npz\tmma__midi-inc_drum\t\t\tunknown\tmma__midi-inc_drum.npz\n"), std::string::npos) << l.out;
    const CliRun one = quintet_cli("corpus list '" + (dir / "s.qstore").string() + "' --limit 1", dir);
    EXPECT_EQ(lines(one.out), 1u) << one.out;
    EXPECT_EQ(quintet_cli("corpus list '" + (dir / "s.qstore").string() + "' --split dev", dir).code, 2);
    fs::remove_all(dir);
}

TEST(CorpusCli, LpdTreeWithIdsAndMetadata) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path dir = temp_dir("lpdtree");
    const fs::path root = dir / "lpd_5_cleansed";
    // Song 1 sits under its MSD folder; song 2 is found only through cleansed_ids.txt.
    const std::string md5a = "0123456789abcdef0123456789abcdef", md5b = "fedcba9876543210fedcba9876543210";
    fs::create_directories(root / "A/A/A/TRAAAGR128F425B14B");
    fs::create_directories(root / "misc");
    fs::copy_file(test::shared_data_dir() / "lpd5" / (std::string(kSmallNpz[1]) + ".npz"), root / "A/A/A/TRAAAGR128F425B14B" / (md5a + ".npz"));
    fs::copy_file(test::shared_data_dir() / "lpd5" / (std::string(kSmallNpz[2]) + ".npz"), root / "misc" / (md5b + ".npz"));
    write_file_atomically(dir / "cleansed_ids.txt", md5a + "    TRAAAGR128F425B14B\n" + md5b + "    TRBBBZF12903CCCF6B\n");
    write_file_atomically(root / "processed_metadata.json",
                          R"([{"msd_id": "TRAAAGR128F425B14B", "artist": "Mariah Carey", "title": "Hero", "genre_tagtraum": ["Pop_Rock"]},)"
                          R"( {"msd_id": "TRBBBZF12903CCCF6B", "artist": "Green Day", "title": "Basket Case", "genre_tagtraum": "Punk"}])");
    const CliRun b = quintet_cli("corpus build '" + root.string() + "' -o '" + (dir / "s.qstore").string() + "' -q", dir);
    ASSERT_EQ(b.code, 0) << b.err;
    const CorpusStore store = CorpusStore::open(dir / "s.qstore");
    ASSERT_EQ(store.size(), 2u);
    EXPECT_EQ(store.song(0).id, md5a);
    EXPECT_EQ(store.song(0).artist, "Mariah Carey");
    EXPECT_EQ(store.song(0).title, "Hero");
    EXPECT_EQ(store.song(0).genre, "Pop_Rock");
    EXPECT_EQ(store.song(0).licence, "CC-BY-4.0");
    EXPECT_EQ(store.song(0).origin, "A/A/A/TRAAAGR128F425B14B/" + md5a + ".npz");
    EXPECT_EQ(store.song(1).id, md5b);
    EXPECT_EQ(store.song(1).artist, "Green Day");
    EXPECT_EQ(store.song(1).genre, "Punk");
    const CliRun bad = quintet_cli("corpus build '" + root.string() + "' -o '" + (dir / "t.qstore").string() + "' --metadata '" + (dir / "none.json").string() + "'", dir);
    EXPECT_EQ(bad.code, 2);
    EXPECT_EQ(lines(bad.err), 1u) << bad.err;
    fs::remove_all(dir);
}
#endif

TEST(CorpusCli, BuildsMidiFolderAndSkipsCorruptFile) {
    QUINTET_REQUIRE_SHARED_DATA("midi/blupi");
    const fs::path dir = temp_dir("midi");
    fs::create_directories(dir / "src" / "a");
    fs::copy_file(test::shared_data_dir() / "midi" / "blupi" / "music000.mid", dir / "src" / "a" / "music000.mid");
    fs::copy_file(test::shared_data_dir() / "midi" / "blupi" / "music001.mid", dir / "src" / "music001.MID");
    write_file_atomically(dir / "src" / "cut.mid", read_file(test::shared_data_dir() / "midi" / "blupi" / "music002.mid").substr(0, 40));
    const CliRun r = quintet_cli("corpus build '" + (dir / "src").string() + "' -o '" + (dir / "m.qstore").string() + "' --resolution 4 --licence GPL-3+", dir);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("wrote 2 of 3 songs"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("warning: skipped " + (dir / "src" / "cut.mid").string() + ": "), std::string::npos) << r.err;
    const CorpusStore store = CorpusStore::open(dir / "m.qstore");
    ASSERT_EQ(store.size(), 2u);
    EXPECT_EQ(store.resolution(), 4);
    EXPECT_EQ(store.song(0).id, "a/music000.mid");
    EXPECT_EQ(store.song(0).licence, "GPL-3+");
    EXPECT_EQ(store.song(1).id, "music001.MID");
    EXPECT_GT(store.song(0).steps, 100u);
    fs::remove_all(dir);
}

// MIDI -> store at 24 steps per beat keeps exactly the cells the original LPD code produced from the
// same files (manifest.csv), so the MIDI path of the builder is the LPD conversion.
TEST(CorpusCli, MidiAt24StepsMatchesTheOriginalLpdConversion) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5/manifest.csv");
    QUINTET_REQUIRE_SHARED_DATA("midi/mma");
    const fs::path dir = temp_dir("midi24");
    fs::create_directories(dir / "src");
    const char* names[] = {"midi-inc_drum", "misc_extended-voice", "triggers_trunc", "aria_girl"};
    for (const char* n : names) fs::copy_file(test::shared_data_dir() / "midi/mma" / (std::string(n) + ".mid"), dir / "src" / (std::string(n) + ".mid"));
    const CliRun r = quintet_cli("corpus build '" + (dir / "src").string() + "' -o '" + (dir / "s.qstore").string() + "' --resolution 24 -q", dir);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto expected = manifest_nnz();
    const CorpusStore store = CorpusStore::open(dir / "s.qstore");
    ASSERT_EQ(store.size(), 4u);
    for (std::size_t i = 0; i < store.size(); ++i) {
        const std::string name = "mma__" + fs::path(store.song(i).id).stem().string();
        ASSERT_TRUE(expected.count(name)) << name;
        for (int f = 0; f < 5; ++f) {
            const std::uint8_t* roll = store.roll(i, f);
            const auto nnz = static_cast<std::size_t>(std::count_if(roll, roll + store.song(i).steps * 128, [](std::uint8_t v) { return v != 0; }));
            EXPECT_EQ(nnz, expected.at(name)[f]) << name << " family " << f;
        }
    }
    fs::remove_all(dir);
}

TEST(CorpusCli, DemoFromAFakeRootRecordsOriginAndLicence) {
    QUINTET_REQUIRE_SHARED_DATA("midi/blupi");
    const fs::path dir = temp_dir("demo");
    const fs::path root = dir / "root";
    fs::create_directories(root / "usr/share/planetblupi/music");
    fs::create_directories(root / "usr/share/games/doom");
    fs::copy_file(test::shared_data_dir() / "midi/blupi/music003.mid", root / "usr/share/planetblupi/music/music003.mid");
    // A PWAD holding one MIDI lump (D_SONG), one DMX MUS lump (D_OLD) and a non-music lump.
    const std::string midi = read_file(test::shared_data_dir() / "midi/blupi/music004.mid");
    const std::string mus = std::string("MUS\x1a", 4) + std::string(12, '\0');
    std::string wad = "PWAD" + std::string(8, '\0');
    auto put32 = [](std::string& s, std::size_t at, std::uint32_t v) {
        for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (8 * i) & 0xff);
    };
    std::string dirents;
    for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{{"D_SONG", midi}, {"D_OLD", mus}, {"MAP01", "xyz"}}) {
        std::string e(16, '\0');
        put32(e, 0, static_cast<std::uint32_t>(wad.size()));
        put32(e, 4, static_cast<std::uint32_t>(bytes.size()));
        e.replace(8, name.size(), name);
        dirents += e;
        wad += bytes;
    }
    put32(wad, 4, 3);
    put32(wad, 8, static_cast<std::uint32_t>(wad.size()));
    wad += dirents;
    write_file_atomically(root / "usr/share/games/doom/freedoom2.wad", wad);

    const CliRun r = quintet_cli("corpus demo -o '" + (dir / "d.qstore").string() + "' --root '" + root.string() + "'", dir);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("wrote 2 of 3 songs"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("D_OLD: byte 0: DMX MUS music lump: not converted"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("openttd-openmsx"), std::string::npos) << r.err;  // listed as not installed
    const CorpusStore store = CorpusStore::open(dir / "d.qstore");
    ASSERT_EQ(store.size(), 2u);
    EXPECT_EQ(store.song(0).id, "freedoom/freedoom2.wad/D_SONG");
    EXPECT_EQ(store.song(0).licence, "BSD-3-Clause");
    EXPECT_EQ(store.song(0).origin, "Debian package freedoom: /usr/share/games/doom/freedoom2.wad:D_SONG");
    EXPECT_EQ(store.song(1).id, "planetblupi-music-midi/usr/share/planetblupi/music/music003.mid");
    EXPECT_EQ(store.song(1).licence, "GPL-3+");
    EXPECT_EQ(store.song(1).origin, "Debian package planetblupi-music-midi: /usr/share/planetblupi/music/music003.mid");
    fs::remove_all(dir);
}

TEST(CorpusCli, BadInputExitsTwoWithOneLine) {
    const fs::path dir = temp_dir("bad");
    const fs::path missing = dir / "missing";
    write_file_atomically(dir / "not-a-store", "hello, I am a text file");
    write_file_atomically(dir / "one.mid", "MThd");
    fs::create_directories(dir / "emptyfolder");
    const std::vector<std::string> cases = {
        "corpus build '" + missing.string() + "' -o '" + (dir / "x.qstore").string() + "'",
        "corpus build '" + (dir / "emptyfolder").string() + "' -o '" + (dir / "x.qstore").string() + "'",
        "corpus build '" + (dir / "one.mid").string() + "' -o '" + (dir / "x.qstore").string() + "' -q",  // nothing storable
        "corpus build '" + (dir / "emptyfolder").string() + "' -o '" + (dir / "x.qstore").string() + "' --resolution 0",
        "corpus stats '" + (dir / "not-a-store").string() + "'",
        "corpus stats '" + missing.string() + "'",
        "corpus demo -o '" + (dir / "x.qstore").string() + "' --root '" + (dir / "emptyfolder").string() + "'",
    };
    for (const auto& c : cases) {
        const CliRun r = quintet_cli(c, dir);
        EXPECT_EQ(r.code, 2) << c << "\n" << r.err;
        EXPECT_EQ(lines(r.err), 1u) << c << "\n" << r.err;
        EXPECT_EQ(r.err.rfind("quintet: error: ", 0), 0u) << r.err;
    }
    EXPECT_FALSE(fs::exists(dir / "x.qstore"));
    fs::remove_all(dir);
}

}  // namespace
}  // namespace quintet
