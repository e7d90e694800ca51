#include "studio/upload_store.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

#include "corpus/song_loader.hpp"
#include "io/lpd/lpd_convert.hpp"
#include "io/midi/midi.hpp"
#include "roll/notes.hpp"
#include "roll/operations.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet::studio {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

bool is_upload_id(const std::string& id) {
    const auto dot = id.find('.');
    if (dot != 16) return false;
    const std::string ext = id.substr(dot);
    if (ext != ".mid" && ext != ".npz") return false;
    return std::all_of(id.begin(), id.begin() + 16, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Each track of the song as read before the merge, and where the merge puts it.
json mapping_report(const Multitrack& tracks) {
    json out = json::array();
    for (const Track& t : tracks.tracks) {
        const Family f = family_of(t.program, t.is_drum);
        out.push_back({{"name", t.name},
                       {"program", t.program},
                       {"drum", t.is_drum},
                       {"notes", track_notes(t).size()},
                       {"to", f == Family::Dropped ? std::string("dropped") : std::string(family_name(f))}});
    }
    return out;
}

}  // namespace

UploadStore::UploadStore(fs::path dir) : dir_(std::move(dir)) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) throw IoError(dir_.string() + ": cannot create the uploads folder: " + ec.message());
}

json UploadStore::add(std::string_view bytes, const std::string& filename) {
    const std::string ext = lower(fs::path(filename).extension().string());
    std::string kept_ext;
    Multitrack before_merge, lanes;
    if (ext == ".mid" || ext == ".midi") {
        kept_ext = ".mid";
        const MidiFile midi = parse_midi(bytes, filename);
        before_merge = midi_to_multitrack(midi);
        lanes = merge_lpd5(before_merge);
    } else if (ext == ".npz") {
        kept_ext = ".npz";
    } else {
        throw UsageError(filename + ": expected a .mid, .midi or .npz file");
    }
    // Ids are random: a page cannot guess another page's uploads.
    std::random_device rd;
    char id[17];
    std::snprintf(id, sizeof id, "%08x%08x", rd(), rd());
    const std::string name = std::string(id) + kept_ext;
    const fs::path file = dir_ / name;
    write_file_atomically(file, bytes);
    if (kept_ext == ".npz") {
        try {
            before_merge = load_song_file(file);  // the project's npz reader needs a file
        } catch (...) {
            std::error_code ec;
            fs::remove(file, ec);
            throw;
        }
        lanes = merge_lpd5(before_merge);
    }
    json lane_notes = json::object();
    for (const Track& t : lanes.tracks) lane_notes[t.name] = track_notes(t).size();
    return {{"id", name}, {"name", filename}, {"tracks", mapping_report(before_merge)}, {"lanes", lane_notes}};
}

fs::path UploadStore::path(const std::string& id) const {
    std::error_code ec;
    if (!is_upload_id(id) || !fs::is_regular_file(dir_ / id, ec)) throw UsageError("unknown upload '" + id + "'");
    return dir_ / id;
}

}  // namespace quintet::studio
