#pragma once
// The studio's history folder: one directory per generated song with the settings that made it
// (settings.json: run, system, knobs with the seed) and its files (song.mid, notes.json, song.png, song.wav).
// An entry is written under a temporary name and renamed when complete, so a song is either whole or absent
// (an interrupted one leaves a ".tmp-" folder, removed at the next start). The history survives restarts.
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace quintet::studio {

class SongHistory {
public:
    // Creates `dir` when missing and removes unfinished entries.
    explicit SongHistory(std::filesystem::path dir);

    // A new entry: fill(folder) writes its files there; on success the folder becomes the entry and its id is
    // returned ("000012"); on an exception the folder is removed and the exception passes on.
    std::string add(const std::function<void(const std::filesystem::path& folder)>& fill);

    // Every complete entry's settings.json, with "id", newest first.
    std::vector<nlohmann::json> list() const;

    // The folder of entry `id`; UsageError "unknown song 'ID'" when `id` is not an entry's id.
    std::filesystem::path entry(const std::string& id) const;

    const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path dir_;
    std::mutex mutex_;
    unsigned long long next_ = 1;
};

}  // namespace quintet::studio
