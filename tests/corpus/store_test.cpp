// The training store: round trip, layout, deterministic split, and refusal of damaged files.
#include "corpus/store.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "corpus/split.hpp"
#include "corpus/store_writer.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {
namespace {
namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
    fs::path d = fs::temp_directory_path() / ("quintet_store_test_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

// Five tracks of different lengths; cell (t, p) of family f holds a value derived from (f, t, p).
Multitrack make_song(int resolution, std::size_t steps, int seed) {
    Multitrack mt;
    mt.resolution = resolution;
    for (int f = 0; f < 5; ++f) {
        Track t{"t" + std::to_string(f), 0, f == 0, {}};
        t.resize_steps(f == 3 ? steps / 2 : steps);  // Bass shorter: the writer pads it
        for (std::size_t s = 0; s < t.steps(); ++s) t.at(s, (seed + f * 7 + static_cast<int>(s)) % 128) = static_cast<std::uint8_t>(1 + (f + s) % 127);
        mt.tracks.push_back(std::move(t));
    }
    return mt;
}

SongInfo make_info(const std::string& id, Split split, double tempo) {
    SongInfo s;
    s.id = id;
    s.title = "Title " + id;
    s.artist = "Artist";
    s.genre = "Pop_Rock";
    s.origin = "test:" + id;
    s.licence = "MIT";
    s.split = split;
    s.tempo = tempo;
    return s;
}

TEST(Store, RoundTripKeepsMetadataAndFamilyMajorRolls) {
    const fs::path dir = temp_dir("roundtrip");
    const fs::path path = dir / "c.qstore";
    const Multitrack a = make_song(2, 40, 3), b = make_song(2, 7, 50);
    const std::size_t n = write_store(path, 2, [&](StoreWriter& w) {
        w.add(make_info("song-a", Split::Train, 96.5), a);
        w.add(make_info("song-b", Split::Test, 120.0), b);
        w.add(make_info("empty", Split::Valid, 140.0), Multitrack{"", 2, {}, {}, std::vector<Track>(5)});
    });
    EXPECT_EQ(n, 3u);
    const CorpusStore store = CorpusStore::open(path);
    EXPECT_EQ(store.resolution(), 2);
    ASSERT_EQ(store.size(), 3u);
    EXPECT_EQ(store.song(0).id, "song-a");
    EXPECT_EQ(store.song(0).title, "Title song-a");
    EXPECT_EQ(store.song(0).genre, "Pop_Rock");
    EXPECT_EQ(store.song(0).origin, "test:song-a");
    EXPECT_EQ(store.song(0).licence, "MIT");
    EXPECT_EQ(store.song(0).steps, 40u);
    EXPECT_EQ(store.song(0).tempo, 96.5);
    EXPECT_EQ(store.song(1).steps, 7u);
    EXPECT_EQ(store.song(1).split, Split::Test);
    EXPECT_EQ(store.song(2).steps, 0u);

    for (std::size_t i = 0; i < 2; ++i) {
        const Multitrack& src = i == 0 ? a : b;
        const std::size_t steps = store.song(i).steps;
        for (int f = 0; f < 5; ++f) {
            const std::uint8_t* r = store.roll(i, f);
            EXPECT_EQ(reinterpret_cast<std::uintptr_t>(store.roll(i, 0)) % 64, 0u);
            // Family f's roll is contiguous and directly follows family f-1's.
            if (f > 0) {
                EXPECT_EQ(r, store.roll(i, f - 1) + steps * kPitches);
            }
            const auto& want = src.tracks[f].roll;
            EXPECT_EQ(std::memcmp(r, want.data(), want.size()), 0) << "song " << i << " family " << f;
            for (std::size_t k = want.size(); k < steps * kPitches; ++k) ASSERT_EQ(r[k], 0) << "padding";
        }
    }
    const Multitrack loaded = store.load(0);
    ASSERT_EQ(loaded.tracks.size(), 5u);
    EXPECT_EQ(loaded.tracks[1].name, "Piano");
    EXPECT_EQ(loaded.tracks[4].program, 48);
    EXPECT_TRUE(loaded.tracks[0].is_drum);
    EXPECT_EQ(loaded.tracks[2].roll, a.tracks[2].roll);
    EXPECT_EQ(loaded.tempo.size(), 40u);
    EXPECT_EQ(store.songs_in(Split::Train), std::vector<std::size_t>{0});
    EXPECT_EQ(store.songs_in(Split::Valid), std::vector<std::size_t>{2});
    EXPECT_THROW(store.song(3), UsageError);
    EXPECT_THROW(store.roll(0, 5), UsageError);
    fs::remove_all(dir);
}

TEST(Store, EmptyStoreIsValid) {
    const fs::path dir = temp_dir("empty");
    write_store(dir / "e.qstore", 4, [](StoreWriter&) {});
    const CorpusStore store = CorpusStore::open(dir / "e.qstore");
    EXPECT_EQ(store.size(), 0u);
    EXPECT_EQ(store.resolution(), 4);
    fs::remove_all(dir);
}

TEST(Store, WriterRefusesWrongShape) {
    const fs::path dir = temp_dir("shape");
    EXPECT_THROW(write_store(dir / "x.qstore", 2, [](StoreWriter& w) { w.add(make_info("a", Split::Train, 120), make_song(24, 4, 0)); }),
                 UsageError);
    Multitrack four = make_song(2, 4, 0);
    four.tracks.pop_back();
    EXPECT_THROW(write_store(dir / "x.qstore", 2, [&](StoreWriter& w) { w.add(make_info("a", Split::Train, 120), four); }), UsageError);
    // A failed build leaves neither the store nor a temporary file behind.
    EXPECT_TRUE(fs::is_empty(dir));
    fs::remove_all(dir);
}

TEST(Store, DamagedOrForeignFilesAreFormatErrors) {
    const fs::path dir = temp_dir("damaged");
    const fs::path good = dir / "good.qstore";
    write_store(good, 2, [&](StoreWriter& w) { w.add(make_info("a", Split::Train, 120), make_song(2, 16, 1)); });
    const std::string bytes = read_file(good);

    auto expect_format_error = [&](const std::string& name, const std::string& content) {
        const fs::path p = dir / name;
        write_file_atomically(p, content);
        EXPECT_THROW(CorpusStore::open(p), FormatError) << name;
    };
    expect_format_error("empty", "");
    expect_format_error("header-only", bytes.substr(0, 64));
    expect_format_error("truncated", bytes.substr(0, bytes.size() - 1));
    expect_format_error("half", bytes.substr(0, bytes.size() / 2));
    expect_format_error("extended", bytes + "x");
    expect_format_error("foreign", "MThd\0\0\0\6" + std::string(100, 'x'));
    std::string v2 = bytes;
    v2[8] = 2;
    expect_format_error("version", v2);
    std::string bad_split = bytes;
    std::uint64_t index_offset;
    std::memcpy(&index_offset, bytes.data() + 24, 8);
    bad_split[index_offset + 32] = 7;
    expect_format_error("split", bad_split);
    std::string bad_steps = bytes;
    bad_steps[index_offset + 8 + 6] = 1;  // steps huge
    expect_format_error("steps", bad_steps);
    try {
        CorpusStore::open(dir / "truncated");
    } catch (const FormatError& e) {
        EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
    }
    EXPECT_THROW(CorpusStore::open(dir / "missing"), IoError);
    fs::remove_all(dir);
}

// Every single-byte corruption of the header, index and metadata either opens as a consistent store or
// is refused with FormatError: never a crash or an out-of-bounds roll (checked by reading every roll).
TEST(Store, EverySingleByteCorruptionOfTheMetadataIsSafe) {
    const fs::path dir = temp_dir("corrupt");
    const fs::path good = dir / "good.qstore";
    write_store(good, 2, [&](StoreWriter& w) {
        w.add(make_info("a", Split::Train, 100), make_song(2, 9, 1));
        w.add(make_info("b", Split::Test, 90), make_song(2, 3, 2));
    });
    const std::string bytes = read_file(good);
    std::uint64_t index_offset;
    std::memcpy(&index_offset, bytes.data() + 24, 8);
    std::vector<std::size_t> positions;
    for (std::size_t i = 0; i < 64; ++i) positions.push_back(i);
    for (std::size_t i = index_offset; i < bytes.size(); ++i) positions.push_back(i);
    int refused = 0, opened = 0;
    for (std::size_t pos : positions) {
        for (unsigned char v : {0x00, 0x01, 0x80, 0xff}) {
            if (static_cast<unsigned char>(bytes[pos]) == v) continue;
            std::string bad = bytes;
            bad[pos] = static_cast<char>(v);
            const fs::path p = dir / "bad.qstore";
            write_file_atomically(p, bad);
            try {
                const CorpusStore store = CorpusStore::open(p);
                std::size_t sum = 0;
                for (std::size_t i = 0; i < store.size(); ++i)
                    for (int f = 0; f < 5; ++f) {
                        const std::uint8_t* r = store.roll(i, f);
                        for (std::size_t k = 0; k < store.song(i).steps * kPitches; ++k) sum += r[k];
                    }
                EXPECT_GE(sum, 0u);
                ++opened;
            } catch (const FormatError&) {
                ++refused;
            }
        }
    }
    EXPECT_GT(refused, 0);
    EXPECT_GT(opened, 0);  // e.g. a changed tempo or a letter of a title is still a valid store
    fs::remove_all(dir);
}

TEST(Split, Fnv1aTestVectors) {
    // FNV-1a 64 test vectors (draft-eastlake-fnv, section 6 / isthe.com/chongo/tech/comp/fnv).
    EXPECT_EQ(song_id_hash(""), 0xcbf29ce484222325ull);
    EXPECT_EQ(song_id_hash("a"), 0xaf63dc4c8601ec8cull);
    EXPECT_EQ(song_id_hash("foobar"), 0x85944171f73967e8ull);
}

TEST(Split, DeterministicAndRoughly80_10_10) {
    std::map<Split, int> counts;
    for (int i = 0; i < 20000; ++i) {
        const std::string id = "TRAAAAA" + std::to_string(i * 7919);
        const Split s = split_for_id(id);
        EXPECT_EQ(s, split_for_id(id));
        ++counts[s];
    }
    EXPECT_NEAR(counts[Split::Train] / 20000.0, 0.8, 0.02);
    EXPECT_NEAR(counts[Split::Valid] / 20000.0, 0.1, 0.01);
    EXPECT_NEAR(counts[Split::Test] / 20000.0, 0.1, 0.01);
    EXPECT_EQ(parse_split("valid"), Split::Valid);
    EXPECT_STREQ(split_name(Split::Test), "test");
    EXPECT_THROW(parse_split("dev"), UsageError);
}

}  // namespace
}  // namespace quintet
