#pragma once
// Song metadata of an LPD tree: cleansed_ids.txt (LPD md5 -> MSD id) and a metadata JSON with
// artist / title / genre per MSD id, in either of two shapes:
//   a list of objects  [{"msd_id": "TR...", "artist": ..., "title": ..., "genre_tagtraum": ...}, ...]
//     (the MusicGenDL notebooks' processed_metadata.json), or
//   an object keyed by MSD id  {"TR...": {"artist": ..., "title": ..., "genre": ...}, ...}.
// Genre may be a string or a list of strings (joined with ", ").
#include <filesystem>
#include <string>
#include <unordered_map>

namespace quintet {

struct SongMetadata {
    std::string title, artist, genre;
};

class LpdMetadata {
public:
    // "md5 <whitespace> msd_id" per line (LPD's file uses four spaces). Throws FormatError naming the line.
    void load_ids(const std::filesystem::path& path);
    void load_json(const std::filesystem::path& path);

    std::string msd_for_md5(const std::string& md5) const;       // "" if unknown
    const SongMetadata* find(const std::string& msd_id) const;   // nullptr if unknown
    std::size_t id_count() const { return md5_to_msd_.size(); }
    std::size_t song_count() const { return by_msd_.size(); }

private:
    std::unordered_map<std::string, std::string> md5_to_msd_;
    std::unordered_map<std::string, SongMetadata> by_msd_;
};

// True for an MSD track id: "TR" followed by 16 upper-case letters or digits.
bool is_msd_id(const std::string& s);
// True for a 32-character lower-case hexadecimal string (an LPD file id).
bool is_md5_hex(const std::string& s);

}  // namespace quintet
