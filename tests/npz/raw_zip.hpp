#pragma once
// Builds zip archives byte by byte (APPNOTE 6.3 layouts) so tests can forge what libzip would never
// write: wrong sizes or CRCs, zip64 records, odd extra fields, corrupt DEFLATE streams.
#include <zlib.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace quintet::test {

struct RawMember {
    std::string name;
    std::string payload;        // the bytes stored in the archive (already compressed for method 8)
    std::uint16_t method = 8;
    std::uint32_t crc = 0;
    std::uint64_t size = 0;     // declared uncompressed size
    std::uint16_t flags = 0;
    bool zip64_central = false; // central sizes and offset saturated, real values in a zip64 extra field
    std::string local_extra;    // extra field of the local header
    std::string local_name;     // name in the local header (empty: same as name)
};

inline std::string deflate_raw(const std::string& plain) {
    z_stream s{};
    if (deflateInit2(&s, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("deflateInit2");
    std::string out(deflateBound(&s, plain.size()), '\0');
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
    s.avail_in = static_cast<uInt>(plain.size());
    s.next_out = reinterpret_cast<Bytef*>(out.data());
    s.avail_out = static_cast<uInt>(out.size());
    if (deflate(&s, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
    out.resize(s.total_out);
    deflateEnd(&s);
    return out;
}

inline std::uint32_t crc_of(const std::string& plain) {
    return static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(plain.data()), static_cast<uInt>(plain.size())));
}

// A correct member holding `plain`, deflated (method 8) or stored (method 0).
inline RawMember raw_member(const std::string& name, const std::string& plain, std::uint16_t method = 8) {
    RawMember m;
    m.name = name;
    m.method = method;
    m.payload = method == 8 ? deflate_raw(plain) : plain;
    m.crc = crc_of(plain);
    m.size = plain.size();
    return m;
}

namespace raw_detail {
inline void put(std::string& s, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
}  // namespace raw_detail

// zip64_end: write a zip64 end record and locator (with saturated fields in the classic end record).
inline std::string build_raw_zip(const std::vector<RawMember>& members, bool zip64_end = false, const std::string& comment = "") {
    using raw_detail::put;
    std::string out, central;
    for (const RawMember& m : members) {
        const std::uint64_t local = out.size();
        const std::string& lname = m.local_name.empty() ? m.name : m.local_name;
        put(out, 0x04034b50, 4);
        put(out, 20, 2);
        put(out, m.flags, 2);
        put(out, m.method, 2);
        put(out, 0, 4);  // time, date
        put(out, m.crc, 4);
        put(out, m.payload.size(), 4);
        put(out, m.size, 4);
        put(out, lname.size(), 2);
        put(out, m.local_extra.size(), 2);
        out += lname + m.local_extra;
        out += m.payload;

        std::string extra;
        if (m.zip64_central) {
            put(extra, 0x0001, 2);
            put(extra, 24, 2);
            put(extra, m.size, 8);
            put(extra, m.payload.size(), 8);
            put(extra, local, 8);
        }
        put(central, 0x02014b50, 4);
        put(central, 45, 2);
        put(central, 20, 2);
        put(central, m.flags, 2);
        put(central, m.method, 2);
        put(central, 0, 4);
        put(central, m.crc, 4);
        put(central, m.zip64_central ? 0xFFFFFFFF : m.payload.size(), 4);
        put(central, m.zip64_central ? 0xFFFFFFFF : m.size, 4);
        put(central, m.name.size(), 2);
        put(central, extra.size(), 2);
        put(central, 0, 2);  // comment
        put(central, 0, 2);  // disk
        put(central, 0, 2);  // internal attributes
        put(central, 0, 4);  // external attributes
        put(central, m.zip64_central ? 0xFFFFFFFF : local, 4);
        central += m.name + extra;
    }
    const std::uint64_t cd_offset = out.size();
    out += central;
    if (zip64_end) {
        const std::uint64_t z = out.size();
        put(out, 0x06064b50, 4);
        put(out, 44, 8);
        put(out, 45, 2);
        put(out, 45, 2);
        put(out, 0, 4);
        put(out, 0, 4);
        put(out, members.size(), 8);
        put(out, members.size(), 8);
        put(out, central.size(), 8);
        put(out, cd_offset, 8);
        put(out, 0x07064b50, 4);
        put(out, 0, 4);
        put(out, z, 8);
        put(out, 1, 4);
    }
    put(out, 0x06054b50, 4);
    put(out, 0, 2);
    put(out, 0, 2);
    put(out, zip64_end ? 0xFFFF : members.size(), 2);
    put(out, zip64_end ? 0xFFFF : members.size(), 2);
    put(out, zip64_end ? 0xFFFFFFFF : central.size(), 4);
    put(out, zip64_end ? 0xFFFFFFFF : cd_offset, 4);
    put(out, comment.size(), 2);
    out += comment;
    return out;
}

}  // namespace quintet::test
