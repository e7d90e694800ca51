#include "corpus/demo.hpp"

#include <algorithm>
#include <system_error>

#include "corpus/song_loader.hpp"
#include "io/wad/wad.hpp"
#include "util/error.hpp"

namespace quintet {
namespace fs = std::filesystem;

namespace {

// Where each package puts its music (from `dpkg -L` on Debian 12). Paths are relative to root.
struct MidiPackage {
    const char* package;
    const char* licence;
    std::vector<const char*> folders;  // searched recursively for .mid / .midi
};

const std::vector<MidiPackage>& midi_packages() {
    static const std::vector<MidiPackage> list = {
        {"openttd-openmsx", "GPL-2.0", {"usr/share/games/openttd/baseset/openmsx"}},
        {"planetblupi-music-midi", "GPL-3+", {"usr/share/planetblupi/music"}},
        {"mma", "GPL-2+", {"usr/share/doc/mma", "usr/share/mma"}},
    };
    return list;
}

constexpr const char* kFreedoomLicence = "BSD-3-Clause";
const char* const kFreedoomWads[] = {"usr/share/games/doom/freedoom1.wad", "usr/share/games/doom/freedoom2.wad"};

std::vector<SongJob> freedoom_jobs(const fs::path& root, DemoPackage& pkg) {
    std::vector<SongJob> jobs;
    for (const char* rel : kFreedoomWads) {
        const fs::path wad = root / rel;
        if (!fs::is_regular_file(wad)) continue;
        pkg.installed = true;
        for (const WadLump& lump : read_wad_directory(wad).lumps) {
            if (lump.name.rfind("D_", 0) != 0) continue;  // Doom's music lumps are named D_*
            SongJob job;
            std::string where = std::string(rel);  // built in steps: g++ 12 warns falsely (-Wrestrict) on "/" + ...
            where.insert(where.begin(), '/');
            where += ":" + lump.name;
            job.info.id = "freedoom/" + wad.filename().string() + "/" + lump.name;
            job.info.title = lump.name.substr(2);
            job.info.artist = "Freedoom project";
            job.info.origin = "Debian package freedoom: " + where;
            job.info.licence = kFreedoomLicence;
            job.source = wad.string() + ":" + lump.name;
            job.load = [wad, lump] {
                const std::string bytes = read_wad_lump(wad, lump);
                const std::string name = wad.string() + ":" + lump.name;
                switch (lump_music_format(bytes)) {
                    case LumpMusicFormat::Midi: return load_midi_song(bytes, name);
                    case LumpMusicFormat::Mus:
                        throw FormatError(name, 0, "DMX MUS music lump: not converted (Quintet reads MIDI lumps only)");
                    case LumpMusicFormat::Other: break;
                }
                throw FormatError(name, 0, "music lump is neither MIDI nor MUS");
            };
            jobs.push_back(std::move(job));
            ++pkg.songs;
        }
    }
    return jobs;
}

std::vector<SongJob> midi_folder_jobs(const fs::path& root, const MidiPackage& spec, DemoPackage& pkg) {
    std::vector<fs::path> files;
    for (const char* folder : spec.folders) {
        std::error_code ec;
        const fs::path dir = root / folder;
        if (!fs::is_directory(dir)) continue;
        for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
            if (it->is_regular_file(ec) && song_file_kind(it->path()) == SongFileKind::Midi) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    std::vector<SongJob> jobs;
    for (const auto& f : files) {
        pkg.installed = true;
        SongJob job;
        std::string abs = f.lexically_relative(root).generic_string();
        abs.insert(abs.begin(), '/');
        job.info.id = std::string(spec.package) + abs;
        job.info.title = f.stem().string();
        job.info.origin = std::string("Debian package ") + spec.package + ": " + abs;
        job.info.licence = spec.licence;
        job.source = f.string();
        job.load = [f] { return load_song_file(f); };
        jobs.push_back(std::move(job));
        ++pkg.songs;
    }
    return jobs;
}

}  // namespace

std::vector<SongJob> demo_jobs(const fs::path& root, std::vector<DemoPackage>* packages) {
    std::vector<SongJob> jobs;
    std::vector<DemoPackage> found;
    DemoPackage freedoom{"freedoom", kFreedoomLicence};
    for (auto& j : freedoom_jobs(root, freedoom)) jobs.push_back(std::move(j));
    found.push_back(freedoom);
    for (const auto& spec : midi_packages()) {
        DemoPackage pkg{spec.package, spec.licence};
        for (auto& j : midi_folder_jobs(root, spec, pkg)) jobs.push_back(std::move(j));
        found.push_back(pkg);
    }
    if (packages) *packages = found;
    if (jobs.empty())
        throw UsageError("no demo music found under " + root.string() +
                         ": install freedoom, openttd-openmsx, planetblupi-music-midi and mma (scripts/install-deps)");
    return jobs;
}

}  // namespace quintet
