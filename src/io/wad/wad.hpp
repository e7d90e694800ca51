#pragma once
// Doom WAD archives (IWAD/PWAD): a directory of named lumps. Used to pull the music lumps out of
// freedoom1.wad / freedoom2.wad for the demo corpus.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace quintet {

struct WadLump {
    std::string name;          // up to 8 characters, NUL padding removed
    std::uint32_t offset = 0;  // from the start of the file
    std::uint32_t size = 0;
};

struct WadDirectory {
    std::string kind;  // "IWAD" or "PWAD"
    std::vector<WadLump> lumps;  // in directory order
};

// Parses the header and directory of a whole WAD held in memory; every lump must lie inside `bytes`.
// Throws FormatError (file + byte offset) on anything else.
WadDirectory parse_wad_directory(std::string_view bytes, const std::string& name);
// Reads only the header and directory of a WAD file and checks every lump against the file size.
WadDirectory read_wad_directory(const std::filesystem::path& path);
// The bytes of one lump of a WAD file.
std::string read_wad_lump(const std::filesystem::path& path, const WadLump& lump);

// Music lump formats found in Doom-engine WADs.
enum class LumpMusicFormat { Midi, Mus, Other };
LumpMusicFormat lump_music_format(std::string_view bytes);  // by magic: "MThd" / "MUS\x1a"

}  // namespace quintet
