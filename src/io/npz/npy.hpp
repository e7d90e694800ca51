#pragma once
// The .npy array format (numpy NEP 1, versions 1.0-3.0): a small header parser and writer.
// Only what LPD/pypianoroll files use: C-order arrays of bool, integer and float scalars.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace quintet::npy {

// A parsed array; `data` points into the bytes given to parse() and holds exactly count() items.
struct Array {
    char kind = 0;            // 'b' bool, 'i' signed, 'u' unsigned, 'f' float
    int itemsize = 0;         // bytes per item
    bool big_endian = false;  // '>' in descr
    std::vector<std::int64_t> shape;
    std::string_view data;

    std::int64_t count() const;  // product of shape (1 for a 0-d array)
};

// `where` (e.g. "song.npz: tempo.npy") prefixes every FormatError message.
Array parse(std::string_view bytes, const std::string& file, const std::string& where);

// Element conversions (any numeric kind); throw FormatError for a kind that cannot convert.
std::vector<std::int64_t> to_int64(const Array& a, const std::string& file, const std::string& where);
std::vector<double> to_double(const Array& a, const std::string& file, const std::string& where);

// A version 1.0 .npy file: header padded so the data starts at a multiple of 64 bytes (numpy >= 1.17).
// descr is e.g. "<f8", "|u1", "|b1", "<i4", "<i8"; data holds the raw little-endian items.
std::string write(std::string_view descr, const std::vector<std::int64_t>& shape, std::string_view data);

}  // namespace quintet::npy
