#include "studio/song_history.hpp"

#include <algorithm>
#include <cstdio>

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet::studio {

namespace fs = std::filesystem;

namespace {
constexpr const char* kTmpPrefix = ".tmp-";

bool is_entry_id(const std::string& id) {
    return id.size() == 6 && std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string id_text(unsigned long long n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%06llu", n);
    return buf;
}
}  // namespace

SongHistory::SongHistory(fs::path dir) : dir_(std::move(dir)) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) throw IoError(dir_.string() + ": cannot create the history folder: " + ec.message());
    for (const auto& e : fs::directory_iterator(dir_)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(kTmpPrefix, 0) == 0) {
            fs::remove_all(e.path(), ec);
        } else if (is_entry_id(name)) {
            next_ = std::max(next_, std::stoull(name) + 1);
        }
    }
}

std::string SongHistory::add(const std::function<void(const fs::path&)>& fill) {
    std::string id;
    {
        std::lock_guard lock(mutex_);
        if (next_ > 999999) throw IoError(dir_.string() + ": the history is full (999999 songs)");
        id = id_text(next_++);
    }
    const fs::path tmp = dir_ / (kTmpPrefix + id), final_dir = dir_ / id;
    std::error_code ec;
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp);
    try {
        fill(tmp);
        fs::rename(tmp, final_dir);
    } catch (...) {
        fs::remove_all(tmp, ec);
        throw;
    }
    return id;
}

std::vector<nlohmann::json> SongHistory::list() const {
    std::vector<std::string> ids;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_, ec)) {
        const std::string name = e.path().filename().string();
        if (is_entry_id(name)) ids.push_back(name);
    }
    std::sort(ids.rbegin(), ids.rend());
    std::vector<nlohmann::json> out;
    for (const auto& id : ids) {
        try {
            auto j = nlohmann::json::parse(read_file(dir_ / id / "settings.json"));
            j["id"] = id;
            out.push_back(std::move(j));
        } catch (const std::exception&) {
            // an entry someone edited by hand: not listed, not fatal
        }
    }
    return out;
}

fs::path SongHistory::entry(const std::string& id) const {
    std::error_code ec;
    if (!is_entry_id(id) || !fs::is_directory(dir_ / id, ec)) throw UsageError("unknown song '" + id + "'");
    return dir_ / id;
}

}  // namespace quintet::studio
