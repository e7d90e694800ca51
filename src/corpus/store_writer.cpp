#include "corpus/store_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "corpus/store_format.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {
namespace fs = std::filesystem;
namespace sf = store_format;

StoreWriter::StoreWriter(const fs::path& path, int resolution) : path_(path), resolution_(resolution) {
    if (resolution <= 0) throw UsageError("store resolution must be positive, got " + std::to_string(resolution));
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) throw IoError(path.string() + ": cannot open for writing: " + std::strerror(errno));
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
    const sf::Header placeholder{};  // rewritten by finish(); a crash leaves a file open() refuses
    write_bytes(&placeholder, sizeof placeholder);
}

StoreWriter::~StoreWriter() {
    if (file_) std::fclose(file_);
}

void StoreWriter::write_bytes(const void* data, std::size_t n) {
    if (n != 0 && std::fwrite(data, 1, n, file_) != n)
        throw IoError(path_.string() + ": write failed: " + std::strerror(errno));
    offset_ += n;
}

void StoreWriter::add(const SongInfo& info, const Multitrack& lpd5) {
    if (finished_) throw UsageError("StoreWriter::add after finish");
    if (lpd5.tracks.size() != sf::kFamilies)
        throw UsageError("store song '" + info.id + "' has " + std::to_string(lpd5.tracks.size()) + " tracks, expected 5");
    if (lpd5.resolution != resolution_)
        throw UsageError("store song '" + info.id + "' is at resolution " + std::to_string(lpd5.resolution) +
                         ", the store at " + std::to_string(resolution_));
    std::size_t steps = 0;
    for (const auto& t : lpd5.tracks) steps = std::max(steps, t.steps());

    static const std::uint8_t zeros[sf::kAlignment] = {};
    write_bytes(zeros, (sf::kAlignment - offset_ % sf::kAlignment) % sf::kAlignment);
    roll_offsets_.push_back(offset_);
    for (const auto& t : lpd5.tracks) {
        write_bytes(t.roll.data(), t.roll.size());
        for (std::size_t pad = (steps - t.steps()) * kPitches; pad > 0;) {  // zero-pad short tracks
            const std::size_t n = std::min<std::size_t>(pad, sizeof zeros);
            write_bytes(zeros, n);
            pad -= n;
        }
    }
    SongInfo stored = info;
    stored.steps = steps;
    entries_.push_back(std::move(stored));
}

void StoreWriter::finish() {
    if (finished_) return;
    sf::Header header{};
    std::memcpy(header.magic, sf::kMagic, sizeof header.magic);
    header.version = sf::kVersion;
    header.resolution = static_cast<std::uint32_t>(resolution_);
    header.song_count = entries_.size();
    header.index_entry_size = sizeof(sf::IndexEntry);
    header.families = sf::kFamilies;

    static const std::uint8_t zeros[8] = {};
    write_bytes(zeros, (8 - offset_ % 8) % 8);
    header.index_offset = offset_;
    std::uint64_t strings_pos = 0;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        const SongInfo& s = entries_[i];
        sf::IndexEntry e{};
        e.roll_offset = roll_offsets_[i];
        e.steps = s.steps;
        e.tempo = s.tempo;
        e.strings_pos = strings_pos;
        e.split = static_cast<std::uint8_t>(s.split);
        write_bytes(&e, sizeof e);
        for (const std::string* str : {&s.id, &s.title, &s.artist, &s.genre, &s.origin, &s.licence})
            strings_pos += 4 + str->size();
    }
    header.strings_offset = offset_;
    for (const SongInfo& s : entries_) {
        for (const std::string* str : {&s.id, &s.title, &s.artist, &s.genre, &s.origin, &s.licence}) {
            const auto len = static_cast<std::uint32_t>(str->size());
            write_bytes(&len, sizeof len);
            write_bytes(str->data(), str->size());
        }
    }
    header.strings_size = strings_pos;
    header.file_size = offset_;
    if (std::fseek(file_, 0, SEEK_SET) != 0 || std::fwrite(&header, 1, sizeof header, file_) != sizeof header)
        throw IoError(path_.string() + ": cannot write the header: " + std::strerror(errno));
    const int rc = std::fclose(file_);
    file_ = nullptr;
    if (rc != 0) throw IoError(path_.string() + ": close failed: " + std::strerror(errno));
    finished_ = true;
}

std::size_t write_store(const fs::path& path, int resolution, const std::function<void(StoreWriter&)>& fill) {
    std::size_t songs = 0;
    write_atomically(path, [&](const fs::path& tmp) {
        StoreWriter writer(tmp, resolution);
        fill(writer);
        writer.finish();
        songs = writer.size();
    });
    return songs;
}

}  // namespace quintet
