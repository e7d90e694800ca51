#pragma once
// pypianoroll .npz codec (LPD): both the 0.x (beat_resolution) and 1.x (resolution) layouts.
#include <filesystem>
#include <string>
#include <string_view>

#include "roll/multitrack.hpp"

namespace quintet {

// Throws FormatError naming the file (and member/offset where known) on anything malformed or truncated.
Multitrack read_npz(const std::filesystem::path& path);
Multitrack parse_npz(std::string_view bytes, const std::string& name);

// Writes a file numpy.load and pypianoroll.load (0.3 and 1.x) both read: CSC members, tempo, downbeat,
// info.json with "resolution" and "beat_resolution". Written atomically.
void write_npz(const Multitrack& mt, const std::filesystem::path& path);

}  // namespace quintet
