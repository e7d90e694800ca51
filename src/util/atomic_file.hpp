#pragma once
// Write-then-rename, so an interrupted write never leaves a half-written file under the real name.
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace quintet {

// Calls write(tmp_path) and renames tmp_path to path on success; removes tmp_path on failure.
void write_atomically(const std::filesystem::path& path,
                      const std::function<void(const std::filesystem::path& tmp_path)>& write);

// Writes bytes to path atomically.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

// Reads a whole file; throws IoError naming the file.
std::string read_file(const std::filesystem::path& path);

}  // namespace quintet
