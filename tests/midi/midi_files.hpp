#pragma once
// Lists the MIDI files under a folder, recursively, in a fixed (sorted) order.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace quintet::test {

inline bool has_midi_extension(const std::filesystem::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".mid" || ext == ".midi" || ext == ".kar" || ext == ".rmi";
}

inline std::vector<std::filesystem::path> midi_files_under(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> files;
    if (!std::filesystem::exists(dir)) return files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
        if (e.is_regular_file() && has_midi_extension(e.path())) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace quintet::test
