#pragma once
// On-disk layout of the training store (version 1), shared by the writer and the reader.
// All integers little-endian; the file is read by memory mapping, so the roll blocks are 64-byte aligned.
//
//   [Header, 64 bytes]
//   [roll blocks]   per song, 5 x steps x 128 uint8, family-major (Drums, Piano, Guitar, Bass, Strings),
//                   each block starting on a 64-byte boundary
//   [index]         song_count x IndexEntry (40 bytes)
//   [strings]       per song: id, title, artist, genre, origin, licence, each u32 length + UTF-8 bytes
#include <bit>
#include <cstdint>

namespace quintet::store_format {

static_assert(std::endian::native == std::endian::little, "the store is written and mapped little-endian");

inline constexpr char kMagic[8] = {'Q', 'N', 'T', 'S', 'T', 'O', 'R', 'E'};
inline constexpr std::uint32_t kVersion = 1;
inline constexpr std::uint32_t kFamilies = 5;
inline constexpr std::uint64_t kAlignment = 64;
inline constexpr int kStringsPerSong = 6;

struct Header {
    char magic[8];
    std::uint32_t version;
    std::uint32_t resolution;      // steps per beat
    std::uint64_t song_count;
    std::uint64_t index_offset;
    std::uint64_t strings_offset;
    std::uint64_t strings_size;
    std::uint64_t file_size;       // the whole file: a shorter file is truncated
    std::uint32_t index_entry_size;
    std::uint32_t families;
};
static_assert(sizeof(Header) == 64);

struct IndexEntry {
    std::uint64_t roll_offset;  // from the start of the file
    std::uint64_t steps;
    double tempo;               // harmonic-mean bpm
    std::uint64_t strings_pos;  // from the start of the strings section
    std::uint8_t split;         // quintet::Split
    std::uint8_t reserved[7];
};
static_assert(sizeof(IndexEntry) == 40);

}  // namespace quintet::store_format
