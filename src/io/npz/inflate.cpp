#include "io/npz/inflate.hpp"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <memory>

#ifndef QUINTET_HAVE_LIBDEFLATE
#define QUINTET_HAVE_LIBDEFLATE 0
#endif
#if QUINTET_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

namespace quintet::zipio {
namespace {

#if QUINTET_HAVE_LIBDEFLATE
// One decompressor per thread: allocating it costs more than inflating a small member.
libdeflate_decompressor* thread_decompressor() {
    struct Free {
        void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
    };
    thread_local std::unique_ptr<libdeflate_decompressor, Free> d(libdeflate_alloc_decompressor());
    return d.get();
}

InflateStatus inflate_libdeflate(std::string_view in, char* out, std::size_t out_size) {
    libdeflate_decompressor* d = thread_decompressor();
    if (d == nullptr) throw std::bad_alloc();
    std::size_t got = 0;
    switch (libdeflate_deflate_decompress(d, in.data(), in.size(), out, out_size, &got)) {
        case LIBDEFLATE_SUCCESS: return got == out_size ? InflateStatus::ok : InflateStatus::too_short;
        case LIBDEFLATE_INSUFFICIENT_SPACE: return InflateStatus::too_long;
        default: return InflateStatus::corrupt;
    }
}
#endif

InflateStatus inflate_zlib(std::string_view in, char* out, std::size_t out_size) {
    z_stream s{};
    if (inflateInit2(&s, -MAX_WBITS) != Z_OK) throw std::bad_alloc();  // negative: raw deflate, no header
    const auto* next_in = reinterpret_cast<const Bytef*>(in.data());
    std::size_t left_in = in.size(), left_out = out_size;
    s.next_out = reinterpret_cast<Bytef*>(out);
    int rc = Z_OK;
    // avail_in/avail_out are 32-bit: feed at most UINT_MAX bytes at a time.
    while (rc == Z_OK) {
        if (s.avail_in == 0) {
            s.next_in = const_cast<Bytef*>(next_in);
            s.avail_in = static_cast<uInt>(std::min<std::size_t>(left_in, UINT_MAX));
            next_in += s.avail_in;
            left_in -= s.avail_in;
        }
        if (s.avail_out == 0) {
            s.avail_out = static_cast<uInt>(std::min<std::size_t>(left_out, UINT_MAX));
            left_out -= s.avail_out;
        }
        rc = inflate(&s, Z_FINISH);
        if (rc == Z_BUF_ERROR && (s.avail_in == 0 && left_in > 0)) rc = Z_OK;    // more input to feed
        if (rc == Z_BUF_ERROR && (s.avail_out == 0 && left_out > 0)) rc = Z_OK;  // more room to give
    }
    const bool out_full = s.avail_out == 0 && left_out == 0;
    const std::size_t produced = s.total_out;
    inflateEnd(&s);
    if (rc == Z_STREAM_END) return produced == out_size ? InflateStatus::ok : InflateStatus::too_short;
    if (rc == Z_BUF_ERROR && out_full) return InflateStatus::too_long;
    return InflateStatus::corrupt;
}

}  // namespace

bool have_libdeflate() { return QUINTET_HAVE_LIBDEFLATE != 0; }

Inflater default_inflater() { return have_libdeflate() ? Inflater::libdeflate : Inflater::zlib; }

InflateStatus inflate_raw(std::string_view in, char* out, std::size_t out_size, Inflater which) {
#if QUINTET_HAVE_LIBDEFLATE
    if (which == Inflater::libdeflate) return inflate_libdeflate(in, out, out_size);
#endif
    (void)which;
    return inflate_zlib(in, out, out_size);
}

std::uint32_t crc32(std::string_view data, Inflater which) {
#if QUINTET_HAVE_LIBDEFLATE
    if (which == Inflater::libdeflate) return libdeflate_crc32(0, data.data(), data.size());
#endif
    (void)which;
    return static_cast<std::uint32_t>(::crc32_z(0, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

}  // namespace quintet::zipio
