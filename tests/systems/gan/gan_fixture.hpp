#pragma once
// A synthetic corpus store at 4 steps per beat for the DCGAN tests (no shared data needed): four 8-bar
// train songs (8 windows of 64 steps) with notes in every instrument, and quick training settings.
#include <filesystem>
#include <random>
#include <string>

#include "corpus/store_writer.hpp"
#include "roll/operations.hpp"
#include "systems/gan/options.hpp"

namespace quintet::test {

inline std::filesystem::path gan_tmp(const std::string& name) {
    std::filesystem::path p = std::filesystem::path(QUINTET_BINARY_DIR) / "test-tmp" / "gan" / name;
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p.parent_path());
    return p;
}

// A song of `bars` bars at `resolution`: per instrument, a note of 2 steps on every beat at a pitch drawn
// from MIDI 36-83.
inline Multitrack synthetic_song(int bars, int resolution, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    const std::size_t steps = std::size_t(bars) * 4 * std::size_t(resolution);
    Multitrack mt = empty_lpd5(steps, resolution);
    for (auto& track : mt.tracks)
        for (std::size_t t = 0; t + 1 < steps; t += std::size_t(resolution)) {
            const int pitch = 36 + int(rng() % 48);
            track.at(t, pitch) = track.at(t + 1, pitch) = 100;
        }
    mt.tempo.assign(steps, 120.0);
    return mt;
}

inline std::filesystem::path gan_store() {
    const auto path = std::filesystem::path(QUINTET_BINARY_DIR) / "test-tmp" / "gan-synthetic-4.store";
    if (std::filesystem::exists(path)) return path;
    std::filesystem::create_directories(path.parent_path());
    write_store(path, 4, [](StoreWriter& w) {
        for (int s = 0; s < 5; ++s) {
            SongInfo info;
            info.id = info.title = "synthetic" + std::to_string(s);
            info.split = s < 4 ? Split::Train : Split::Valid;
            w.add(info, synthetic_song(8, 4, std::uint64_t(s) + 1));
        }
    });
    return path;
}

inline GanTrainConfig quick_gan(const std::filesystem::path& run, int epochs) {
    GanTrainConfig c;
    c.corpus = gan_store();
    c.run_dir = run;
    c.epochs = epochs;
    c.batch = 4;
    c.sample_every = 1;
    c.seed = 7;
    c.quiet = true;
    return c;
}

}  // namespace quintet::test
