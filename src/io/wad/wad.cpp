// WAD layout (Doom, id Software 1993; "The Unofficial Doom Specs" 1.666 section 2, and the Doom wiki):
// 12-byte header: char[4] "IWAD"|"PWAD", int32 lump count, int32 directory offset (little-endian);
// directory: count x 16-byte entries {int32 filepos, int32 size, char[8] name, NUL-padded}.
#include "io/wad/wad.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "util/error.hpp"

namespace quintet {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr std::size_t kEntrySize = 16;

std::int32_t le32(const char* p) {
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(u[0]) | static_cast<std::uint32_t>(u[1]) << 8 |
                                     static_cast<std::uint32_t>(u[2]) << 16 | static_cast<std::uint32_t>(u[3]) << 24);
}

struct Header {
    std::string kind;
    std::uint64_t count, dir_offset;
};

Header parse_header(std::string_view h, std::uint64_t file_size, const std::string& name) {
    if (h.size() < kHeaderSize) throw FormatError(name, h.size(), "not a WAD (shorter than the 12-byte header)");
    const std::string kind(h.substr(0, 4));
    if (kind != "IWAD" && kind != "PWAD") throw FormatError(name, 0, "not a WAD (magic is not IWAD or PWAD)");
    const std::int32_t count = le32(h.data() + 4), dir = le32(h.data() + 8);
    if (count < 0) throw FormatError(name, 4, "negative lump count");
    if (dir < 0) throw FormatError(name, 8, "negative directory offset");
    const std::uint64_t dir_end = static_cast<std::uint64_t>(dir) + static_cast<std::uint64_t>(count) * kEntrySize;
    if (dir_end > file_size)
        throw FormatError(name, 8, "directory (" + std::to_string(count) + " entries at " + std::to_string(dir) +
                                       ") runs past the end of the file (" + std::to_string(file_size) + " bytes)");
    return {kind, static_cast<std::uint64_t>(count), static_cast<std::uint64_t>(dir)};
}

WadDirectory parse_entries(const Header& h, std::string_view dir, std::uint64_t file_size, const std::string& name) {
    WadDirectory out;
    out.kind = h.kind;
    out.lumps.reserve(h.count);
    for (std::uint64_t i = 0; i < h.count; ++i) {
        const char* e = dir.data() + i * kEntrySize;
        const std::uint64_t at = h.dir_offset + i * kEntrySize;
        const std::int32_t pos = le32(e), size = le32(e + 4);
        if (pos < 0 || size < 0 || static_cast<std::uint64_t>(pos) + static_cast<std::uint64_t>(size) > file_size)
            throw FormatError(name, at, "lump " + std::to_string(i) + " lies outside the file");
        WadLump lump;
        lump.name.assign(e + 8, strnlen(e + 8, 8));
        lump.offset = static_cast<std::uint32_t>(pos);
        lump.size = static_cast<std::uint32_t>(size);
        out.lumps.push_back(std::move(lump));
    }
    return out;
}

}  // namespace

WadDirectory parse_wad_directory(std::string_view bytes, const std::string& name) {
    const Header h = parse_header(bytes, bytes.size(), name);
    return parse_entries(h, bytes.substr(h.dir_offset, h.count * kEntrySize), bytes.size(), name);
}

WadDirectory read_wad_directory(const fs::path& path) {
    const std::string name = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(name + ": cannot open for reading: " + std::strerror(errno));
    std::error_code ec;
    const std::uint64_t file_size = fs::file_size(path, ec);
    if (ec) throw IoError(name + ": cannot stat: " + ec.message());
    std::string head(kHeaderSize, '\0');
    in.read(head.data(), kHeaderSize);
    head.resize(static_cast<std::size_t>(in.gcount()));
    const Header h = parse_header(head, file_size, name);
    std::string dir(h.count * kEntrySize, '\0');
    in.seekg(static_cast<std::streamoff>(h.dir_offset));
    in.read(dir.data(), static_cast<std::streamsize>(dir.size()));
    if (static_cast<std::size_t>(in.gcount()) != dir.size()) throw IoError(name + ": cannot read the WAD directory");
    return parse_entries(h, dir, file_size, name);
}

std::string read_wad_lump(const fs::path& path, const WadLump& lump) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(path.string() + ": cannot open for reading: " + std::strerror(errno));
    std::string bytes(lump.size, '\0');
    in.seekg(lump.offset);
    in.read(bytes.data(), lump.size);
    if (static_cast<std::uint32_t>(in.gcount()) != lump.size)
        throw IoError(path.string() + ": cannot read lump " + lump.name + " at byte " + std::to_string(lump.offset));
    return bytes;
}

LumpMusicFormat lump_music_format(std::string_view bytes) {
    if (bytes.substr(0, 4) == "MThd") return LumpMusicFormat::Midi;
    if (bytes.substr(0, 4) == std::string_view("MUS\x1a", 4)) return LumpMusicFormat::Mus;
    return LumpMusicFormat::Other;
}

}  // namespace quintet
