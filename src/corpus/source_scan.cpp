// Turning SRC (an LPD tree, a folder of .npz / MIDI files, or one file) into the list of songs to build.
#include <algorithm>
#include <system_error>

#include "corpus/builder.hpp"
#include "corpus/lpd_metadata.hpp"
#include "corpus/song_loader.hpp"
#include "util/error.hpp"

namespace quintet {
namespace fs = std::filesystem;

namespace {

fs::path first_existing(std::initializer_list<fs::path> candidates) {
    for (const auto& p : candidates)
        if (fs::is_regular_file(p)) return p;
    return {};
}

LpdMetadata load_metadata(const fs::path& src, const BuildOptions& options) {
    LpdMetadata meta;
    const fs::path dir = fs::is_directory(src) ? src : src.parent_path();
    fs::path ids = options.ids_file;
    if (ids.empty()) ids = first_existing({dir / "cleansed_ids.txt", dir.parent_path() / "cleansed_ids.txt"});
    else if (!fs::is_regular_file(ids)) throw UsageError(ids.string() + ": no such ids file");
    if (!ids.empty()) meta.load_ids(ids);
    fs::path json = options.metadata_file;
    if (json.empty()) json = first_existing({dir / "processed_metadata.json", dir / "metadata.json"});
    else if (!fs::is_regular_file(json)) throw UsageError(json.string() + ": no such metadata file");
    if (!json.empty()) meta.load_json(json);
    return meta;
}

SongJob make_job(const fs::path& file, const fs::path& root, const LpdMetadata& meta, const BuildOptions& options) {
    SongJob job;
    const std::string rel = root.empty() ? file.filename().generic_string() : file.lexically_relative(root).generic_string();
    const std::string stem = file.stem().string();
    SongInfo& info = job.info;
    const bool lpd_id = song_file_kind(file) == SongFileKind::Npz && is_md5_hex(stem);
    info.id = lpd_id ? stem : rel;  // LPD md5 ids are stable across trees; other files by relative path
    info.title = stem;
    if (lpd_id) {
        // LPD layout: .../<msd_id>/<md5>.npz; cleansed_ids.txt maps md5 -> msd_id where the path does not.
        std::string msd = file.parent_path().filename().string();
        if (!is_msd_id(msd)) msd = meta.msd_for_md5(stem);
        if (const SongMetadata* m = msd.empty() ? nullptr : meta.find(msd)) {
            if (!m->title.empty()) info.title = m->title;
            info.artist = m->artist;
            info.genre = m->genre;
        }
        if (!msd.empty() && info.title == stem) info.title = msd;
    }
    info.origin = rel;
    info.licence = !options.licence.empty() ? options.licence : lpd_id ? "CC-BY-4.0" : "unknown";
    job.source = file.string();
    job.load = [file] { return load_song_file(file); };
    return job;
}

}  // namespace

std::vector<SongJob> scan_song_folder(const fs::path& src, const BuildOptions& options) {
    std::error_code ec;
    const auto status = fs::status(src, ec);
    if (ec || !fs::exists(status)) throw IoError(src.string() + ": no such file or folder");
    const LpdMetadata meta = load_metadata(src, options);
    std::vector<SongJob> jobs;
    if (fs::is_regular_file(status)) {
        if (song_file_kind(src) == SongFileKind::Other) throw UsageError(src.string() + ": not a .mid/.midi/.npz file or a folder");
        jobs.push_back(make_job(src, {}, meta, options));
        return jobs;
    }
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(src, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && song_file_kind(it->path()) != SongFileKind::Other) files.push_back(it->path());
    }
    if (ec) throw IoError(src.string() + ": cannot list folder: " + ec.message());
    std::sort(files.begin(), files.end());  // the store's song order does not depend on the file system
    jobs.reserve(files.size());
    for (const auto& f : files) jobs.push_back(make_job(f, src, meta, options));
    if (jobs.empty()) throw UsageError(src.string() + ": no .mid/.midi/.npz files found");
    return jobs;
}

BuildReport build_corpus(const fs::path& src, const fs::path& out, const BuildOptions& options) {
    return build_store(scan_song_folder(src, options), out, options);
}

}  // namespace quintet
