#pragma once
// Songs a page uploads (a MIDI to continue, --prime, or to take the style from, --style): kept under an id
// that names the file ("3f2a...c0.mid"), parsed by the project's own readers before they are kept, with a
// report of how their tracks map onto the five instruments.
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace quintet::studio {

class UploadStore {
public:
    explicit UploadStore(std::filesystem::path dir);  // created when missing

    // Parses `bytes` (a .mid/.midi or .npz by `filename`'s extension) and keeps it. Returns
    // {"id": ..., "name": filename, "tracks": [{"name", "program", "drum", "notes", "to"}], "lanes": {...}}
    // where "to" is the instrument a track goes to ("Piano", ...; "dropped"). UsageError for another
    // extension, FormatError (the reader's one line) for a file that does not parse.
    nlohmann::json add(std::string_view bytes, const std::string& filename);

    // The file of upload `id`; UsageError "unknown upload 'ID'" otherwise (ids never name anything else).
    std::filesystem::path path(const std::string& id) const;

private:
    std::filesystem::path dir_;
    std::mutex mutex_;
};

}  // namespace quintet::studio
