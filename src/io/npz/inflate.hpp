#pragma once
// Raw DEFLATE (RFC 1951) decoding and CRC-32 for zip members, with two interchangeable back ends:
// libdeflate (whole-buffer, ~2-3x faster than zlib; used when the build found it) and zlib (always).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace quintet::zipio {

enum class Inflater { libdeflate, zlib };

// True when this build links libdeflate (pkg-config libdeflate found at configure time).
bool have_libdeflate();
// libdeflate where available, else zlib.
Inflater default_inflater();

enum class InflateStatus {
    ok,         // exactly out_size bytes decoded and the stream ended
    corrupt,    // invalid or truncated DEFLATE data
    too_long,   // the stream decodes to more than out_size bytes
    too_short,  // the stream ended before out_size bytes
};

// Decodes the whole raw DEFLATE stream `in` into out[0, out_size).
InflateStatus inflate_raw(std::string_view in, char* out, std::size_t out_size, Inflater which);

// The zip CRC-32 (ISO-HDLC polynomial, as zlib's crc32(0, ...)).
std::uint32_t crc32(std::string_view data, Inflater which);

}  // namespace quintet::zipio
