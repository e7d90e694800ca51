#pragma once
// Building a training store: each song is loaded, merged to LPD-5, resampled (set_resolution then
// pad_to_same, as the original VAE pipeline did) and streamed to the store, one song in memory at a time.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "corpus/song_job.hpp"
#include "roll/multitrack.hpp"

namespace quintet {

struct BuildOptions {
    int resolution = 2;                    // steps per beat (2: the article's VAE; 4: the GAN)
    std::filesystem::path ids_file;        // cleansed_ids.txt; found in SRC or its parent when empty
    std::filesystem::path metadata_file;   // metadata JSON; processed_metadata.json / metadata.json in SRC when empty
    std::string licence;                   // for every song of a folder build; default: CC-BY-4.0 for LPD ids, else "unknown"
    bool skip_duplicates = true;           // a song whose rolls equal an earlier song's is not stored twice
    std::FILE* log = stderr;               // progress and warnings; nullptr = silent
};

struct BuildReport {
    std::size_t total = 0;       // songs offered
    std::size_t written = 0;
    std::size_t skipped = 0;     // unreadable files (one warning line each)
    std::size_t empty = 0;       // no note in any LPD-5 family
    std::size_t duplicates = 0;  // same rolls as a song already written
    std::size_t split_counts[3] = {0, 0, 0};
    std::size_t steps = 0;
    double seconds = 0;
};

// Any Multitrack -> the five LPD-5 tracks at `resolution`, all of the same length.
// tempo_bpm receives the harmonic mean of the source's per-step tempo (120 if it has none).
Multitrack prepare_for_store(const Multitrack& song, int resolution, double* tempo_bpm = nullptr);

// Writes `jobs` to `out` atomically. Songs that fail to load are skipped and counted; if none can be
// stored the build fails (nothing is written).
BuildReport build_store(const std::vector<SongJob>& jobs, const std::filesystem::path& out, const BuildOptions& options);

// The songs of SRC: an LPD tree, or any folder of .npz / MIDI files (recursive), or one such file.
std::vector<SongJob> scan_song_folder(const std::filesystem::path& src, const BuildOptions& options);
BuildReport build_corpus(const std::filesystem::path& src, const std::filesystem::path& out, const BuildOptions& options);

// One line: "wrote N of M songs to STORE (train a, valid b, test c); skipped ..." for the CLI and the log.
std::string summarize(const BuildReport& report, const std::filesystem::path& out);

}  // namespace quintet
