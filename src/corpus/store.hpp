#pragma once
// The training store: one file, memory-mapped, holding every song's LPD-5 roll at one resolution.
// Written by corpus/store_writer (corpus/builder streams into it); read by training code. No torch here.
// File layout: docs/corpus.md and corpus/store_format.hpp.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "roll/multitrack.hpp"

namespace quintet {

enum class Split : std::uint8_t { Train = 0, Valid = 1, Test = 2 };
const char* split_name(Split s);

struct SongInfo {
    std::string id;       // stable id (LPD md5, or relative MIDI path)
    std::string title, artist, genre, origin, licence;
    std::size_t steps = 0;  // time steps at the store's resolution
    Split split = Split::Train;
    // Harmonic mean of the source's per-step tempo (bpm; 120 where the source has none), so that
    // steps / resolution * 60 / tempo is the song's duration in seconds.
    double tempo = 120.0;
};

class CorpusStore {
public:
    // Opens and memory-maps a store; throws FormatError on a file that is not a store or is truncated.
    static CorpusStore open(const std::filesystem::path& path);

    int resolution() const;          // steps per beat
    std::size_t size() const;        // number of songs
    const SongInfo& song(std::size_t i) const;
    // Row-major steps x 128 velocities of LPD-5 track `family` (0 Drums, 1 Piano, 2 Guitar, 3 Bass, 4 Strings).
    const std::uint8_t* roll(std::size_t i, int family) const;
    Multitrack load(std::size_t i) const;  // copy out as a 5-track Multitrack
    std::vector<std::size_t> songs_in(Split s) const;
    const std::filesystem::path& path() const;

    CorpusStore(CorpusStore&&) noexcept;
    CorpusStore& operator=(CorpusStore&&) noexcept;
    ~CorpusStore();

private:
    struct Impl;
    explicit CorpusStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace quintet
