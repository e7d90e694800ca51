#pragma once
// Streams songs into a training store one at a time: only the index and metadata stay in memory,
// never the rolls, so a store of any size is written in bounded memory.
#include <cstdio>
#include <filesystem>
#include <functional>
#include <vector>

#include "corpus/store.hpp"
#include "roll/multitrack.hpp"

namespace quintet {

class StoreWriter {
public:
    // Writes to `path` directly (not atomically: use write_store for that).
    StoreWriter(const std::filesystem::path& path, int resolution);
    ~StoreWriter();
    StoreWriter(const StoreWriter&) = delete;
    StoreWriter& operator=(const StoreWriter&) = delete;

    // Appends one song. `lpd5` holds the five LPD-5 tracks in order (Drums, Piano, Guitar, Bass, Strings)
    // at the store's resolution; shorter tracks are zero-padded to the longest. info.steps is ignored
    // (taken from the rolls); info.split and info.tempo are stored as given.
    void add(const SongInfo& info, const Multitrack& lpd5);
    std::size_t size() const { return entries_.size(); }
    // Writes the index, metadata and header; the file is complete after this.
    void finish();

private:
    void write_bytes(const void* data, std::size_t n);
    std::filesystem::path path_;
    int resolution_;
    std::FILE* file_ = nullptr;
    std::uint64_t offset_ = 0;
    std::vector<SongInfo> entries_;
    std::vector<std::uint64_t> roll_offsets_;
    bool finished_ = false;
};

// Creates `path` atomically: `fill` adds the songs; the store appears under its name only when
// `fill` returns and the file is complete. Returns the number of songs written.
std::size_t write_store(const std::filesystem::path& path, int resolution,
                        const std::function<void(StoreWriter&)>& fill);

}  // namespace quintet
