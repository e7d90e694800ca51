// WAD directory parsing: a WAD built here byte by byte, damaged variants, and the real freedoom2.wad.
#include "io/wad/wad.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/shared_data.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {
namespace {
namespace fs = std::filesystem;

void put32(std::string& s, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (8 * i) & 0xff);
}

// "PWAD", two lumps ("D_SONG" = a MIDI header, "MAP01" = 3 bytes), directory at the end.
std::string build_wad() {
    const std::string song = std::string("MThd\0\0\0\6\0\0\0\1\0\x60", 14);
    const std::string map = "abc";
    std::string w(12, '\0');
    w.replace(0, 4, "PWAD");
    const std::size_t song_at = w.size();
    w += song;
    const std::size_t map_at = w.size();
    w += map;
    const std::size_t dir_at = w.size();
    put32(w, 4, 2);
    put32(w, 8, static_cast<std::uint32_t>(dir_at));
    auto entry = [&](std::size_t pos, std::size_t size, const std::string& name) {
        std::string e(16, '\0');
        put32(e, 0, static_cast<std::uint32_t>(pos));
        put32(e, 4, static_cast<std::uint32_t>(size));
        e.replace(8, name.size(), name);
        w += e;
    };
    entry(song_at, song.size(), "D_SONG");
    entry(map_at, map.size(), "MAP01");
    return w;
}

TEST(Wad, ParsesHandBuiltDirectory) {
    const std::string w = build_wad();
    const WadDirectory dir = parse_wad_directory(w, "built.wad");
    EXPECT_EQ(dir.kind, "PWAD");
    ASSERT_EQ(dir.lumps.size(), 2u);
    EXPECT_EQ(dir.lumps[0].name, "D_SONG");
    EXPECT_EQ(dir.lumps[0].offset, 12u);
    EXPECT_EQ(dir.lumps[0].size, 14u);
    EXPECT_EQ(dir.lumps[1].name, "MAP01");
    EXPECT_EQ(dir.lumps[1].offset, 26u);
    EXPECT_EQ(lump_music_format(std::string_view(w).substr(12, 14)), LumpMusicFormat::Midi);
    EXPECT_EQ(lump_music_format(std::string("MUS\x1a\x10\0", 6)), LumpMusicFormat::Mus);
    EXPECT_EQ(lump_music_format("abc"), LumpMusicFormat::Other);

    // The file-based reader sees the same directory and lump bytes.
    const fs::path p = fs::temp_directory_path() / ("quintet_wad_test_" + std::to_string(::getpid()) + ".wad");
    write_file_atomically(p, w);
    const WadDirectory from_file = read_wad_directory(p);
    ASSERT_EQ(from_file.lumps.size(), 2u);
    EXPECT_EQ(read_wad_lump(p, from_file.lumps[1]), "abc");
    EXPECT_EQ(read_wad_lump(p, from_file.lumps[0]), w.substr(12, 14));
    fs::remove(p);
}

TEST(Wad, DamagedInputIsFormatErrorWithOffset) {
    const std::string w = build_wad();
    EXPECT_THROW(parse_wad_directory(w.substr(0, 8), "short.wad"), FormatError);
    std::string magic = w;
    magic[0] = 'X';
    EXPECT_THROW(parse_wad_directory(magic, "magic.wad"), FormatError);
    // Directory cut off.
    EXPECT_THROW(parse_wad_directory(w.substr(0, w.size() - 1), "cut.wad"), FormatError);
    // A lump that points past the end of the file: the error names the entry's byte offset.
    std::string outside = w;
    put32(outside, w.size() - 16 + 4, 1000);
    try {
        parse_wad_directory(outside, "outside.wad");
        FAIL() << "accepted a lump outside the file";
    } catch (const FormatError& e) {
        EXPECT_EQ(e.offset(), static_cast<std::int64_t>(w.size() - 16));
    }
    std::string negative = w;
    put32(negative, 4, 0xffffffffu);
    EXPECT_THROW(parse_wad_directory(negative, "neg.wad"), FormatError);
    std::string huge = w;
    put32(huge, 4, 0x7fffffffu);  // count far beyond the file: refused before any allocation
    EXPECT_THROW(parse_wad_directory(huge, "huge.wad"), FormatError);
    EXPECT_THROW(read_wad_directory("/nonexistent/quintet.wad"), IoError);
}

// The real Debian freedoom2.wad: its D_* lumps are the MIDI files that ../shared/data/midi/freedoom
// holds (extracted independently, byte for byte).
TEST(Wad, Freedoom2MusicLumpsMatchSharedMidiFiles) {
    const fs::path wad = "/usr/share/games/doom/freedoom2.wad";
    if (!fs::exists(wad)) QUINTET_SKIP_OR_FAIL(wad << " not installed (Debian package freedoom)");
    QUINTET_REQUIRE_SHARED_DATA("midi/freedoom");
    const WadDirectory dir = read_wad_directory(wad);
    EXPECT_EQ(dir.kind, "IWAD");
    int music = 0, compared = 0;
    const fs::path shared = test::shared_data_dir() / "midi" / "freedoom";
    for (const auto& lump : dir.lumps) {
        if (lump.name.rfind("D_", 0) != 0) continue;
        ++music;
        const std::string bytes = read_wad_lump(wad, lump);
        EXPECT_EQ(lump_music_format(bytes), LumpMusicFormat::Midi) << lump.name;
        const fs::path ref = shared / ("freedoom2_" + lump.name + ".mid");
        if (fs::exists(ref)) {
            EXPECT_EQ(bytes, read_file(ref)) << lump.name;
            ++compared;
        }
    }
    EXPECT_EQ(music, 35);
    EXPECT_EQ(compared, 35);
}

}  // namespace
}  // namespace quintet
