#include "corpus/lpd_metadata.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

#ifdef QUINTET_HAVE_JSON
#include <nlohmann/json.hpp>
#endif

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {
#ifdef QUINTET_HAVE_JSON
namespace {

using nlohmann::json;

std::string text_field(const json& obj, std::initializer_list<const char*> keys) {
    for (const char* k : keys) {
        auto it = obj.find(k);
        if (it == obj.end() || it->is_null()) continue;
        if (it->is_string()) return it->get<std::string>();
        if (it->is_array()) {
            std::string joined;
            for (const auto& v : *it) {
                if (!v.is_string()) continue;
                if (!joined.empty()) joined += ", ";
                joined += v.get<std::string>();
            }
            return joined;
        }
        if (it->is_number()) return it->dump();
    }
    return {};
}

SongMetadata song_from(const json& obj) {
    return {text_field(obj, {"title", "song_name", "name"}), text_field(obj, {"artist", "artist_name"}),
            text_field(obj, {"genre", "genre_tagtraum", "genres"})};
}

}  // namespace
#endif

bool is_msd_id(const std::string& s) {
    if (s.size() != 18 || s[0] != 'T' || s[1] != 'R') return false;
    for (std::size_t i = 2; i < s.size(); ++i)
        if (!std::isupper(static_cast<unsigned char>(s[i])) && !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    return true;
}

bool is_md5_hex(const std::string& s) {
    if (s.size() != 32) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
    return true;
}

void LpdMetadata::load_ids(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw IoError(path.string() + ": cannot open for reading");
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
        std::istringstream fields(line);
        std::string md5, msd, extra;
        if (!(fields >> md5)) continue;  // blank line
        if (!(fields >> msd) || (fields >> extra))
            throw FormatError(path.string(), "line " + std::to_string(n) + ": expected 'md5 msd_id'");
        md5_to_msd_[md5] = msd;
    }
}

#ifndef QUINTET_HAVE_JSON
void LpdMetadata::load_json(const std::filesystem::path& path) {
    throw UsageError(path.string() + ": reading metadata JSON needs a build with nlohmann-json");
}
#else
void LpdMetadata::load_json(const std::filesystem::path& path) {
    json doc;
    try {
        doc = json::parse(read_file(path));
    } catch (const json::parse_error& e) {
        throw FormatError(path.string(), e.byte, "invalid JSON: " + std::string(e.what()));
    }
    if (doc.is_array()) {
        for (const auto& item : doc) {
            if (!item.is_object()) continue;
            const std::string msd = text_field(item, {"msd_id", "id"});
            if (!msd.empty()) by_msd_[msd] = song_from(item);
        }
    } else if (doc.is_object()) {
        for (const auto& [msd, item] : doc.items())
            if (item.is_object()) by_msd_[msd] = song_from(item);
    } else {
        throw FormatError(path.string(), "metadata JSON must be a list of objects or an object keyed by MSD id");
    }
}
#endif

std::string LpdMetadata::msd_for_md5(const std::string& md5) const {
    auto it = md5_to_msd_.find(md5);
    return it == md5_to_msd_.end() ? std::string() : it->second;
}

const SongMetadata* LpdMetadata::find(const std::string& msd_id) const {
    auto it = by_msd_.find(msd_id);
    return it == by_msd_.end() ? nullptr : &it->second;
}

}  // namespace quintet
