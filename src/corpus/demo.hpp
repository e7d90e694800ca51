#pragma once
// The demo corpus: free multitrack music shipped by Debian packages that scripts/install-deps installs.
//   freedoom               music lumps D_* of freedoom1.wad / freedoom2.wad   BSD-3-Clause
//   openttd-openmsx        the OpenMSX MIDI set of OpenTTD                   GPL-2.0
//   planetblupi-music-midi Planet Blupi's MIDI music                          GPL-3+
//   mma                    the example and library MIDI files of MMA         GPL-2+
#include <filesystem>
#include <string>
#include <vector>

#include "corpus/song_job.hpp"

namespace quintet {

struct DemoPackage {
    std::string package, licence;
    std::size_t songs = 0;  // files or lumps found
    bool installed = false;
};

// The songs found under `root` (normally "/"; tests point it at a fake tree). `packages` receives one
// entry per package above. Throws UsageError if none of the packages is installed.
std::vector<SongJob> demo_jobs(const std::filesystem::path& root, std::vector<DemoPackage>* packages = nullptr);

}  // namespace quintet
