#include "io/npz/zip_reader.hpp"

#include <algorithm>
#include <cstring>

#include "util/error.hpp"

namespace quintet {
namespace {

// Record signatures and fixed sizes from PKWARE's APPNOTE.TXT 6.3 (sections 4.3.7, 4.3.12, 4.3.14-16).
constexpr std::uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr std::uint32_t kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;
constexpr std::uint64_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22, kZip64EndSize = 56, kZip64LocatorSize = 20;
constexpr std::uint16_t kZip64ExtraId = 0x0001;
constexpr std::uint32_t kSaturated32 = 0xFFFFFFFF;
constexpr std::uint16_t kMethodStored = 0, kMethodDeflate = 8;
// An npz member larger than this is refused rather than allocated (LPD members are well under 10 MB).
constexpr std::uint64_t kMaxMemberBytes = std::uint64_t(1) << 30;

std::uint16_t u16(const char* p) { return static_cast<std::uint16_t>(std::uint8_t(p[0]) | std::uint8_t(p[1]) << 8); }
std::uint32_t u32(const char* p) { return u16(p) | std::uint32_t(u16(p + 2)) << 16; }
std::uint64_t u64(const char* p) { return u32(p) | std::uint64_t(u32(p + 4)) << 32; }

}  // namespace

ZipReader::ZipReader(std::string_view bytes, std::string file, zipio::Inflater inflater)
    : bytes_(bytes), file_(std::move(file)), inflater_(inflater) {
    read_central_directory();
}

void ZipReader::read_central_directory() {
    const std::uint64_t n = bytes_.size();
    const char* b = bytes_.data();
    // [off, off + len) must lie inside the bytes (written so it cannot overflow).
    auto need = [&](std::uint64_t off, std::uint64_t len, const char* what) {
        if (len > n || off > n - len) throw FormatError(file_, off, std::string("truncated zip: ") + what + " runs past the end of the file");
    };

    // End of central directory: the last signature whose comment fits in the file (the comment is <= 64 KiB).
    if (n < kEndSize) throw FormatError(file_, "too short (" + std::to_string(n) + " bytes) to be a zip archive");
    std::uint64_t end = n;  // not found
    const std::uint64_t lowest = n - kEndSize > 0xFFFF ? n - kEndSize - 0xFFFF : 0;
    for (std::uint64_t p = n - kEndSize + 1; p-- > lowest;) {
        if (u32(b + p) == kEndSig && p + kEndSize + u16(b + p + 20) <= n) {
            end = p;
            break;
        }
    }
    if (end == n) throw FormatError(file_, "not a zip archive (no end of central directory record)");
    const char* e = b + end;
    if (u16(e + 4) != 0 && u16(e + 4) != 0xFFFF) throw FormatError(file_, end, "multi-disk zip archives are not supported");
    std::uint64_t count = u16(e + 10), cd_size = u32(e + 12), cd_offset = u32(e + 16);
    // Zip64: a locator right before the end record points to the zip64 end record with 64-bit fields.
    if (end >= kZip64LocatorSize && u32(b + end - kZip64LocatorSize) == kZip64LocatorSig) {
        const std::uint64_t z = u64(b + end - kZip64LocatorSize + 8);
        need(z, kZip64EndSize, "zip64 end of central directory");
        if (u32(b + z) != kZip64EndSig) throw FormatError(file_, z, "bad zip64 end of central directory signature");
        count = u64(b + z + 32);
        cd_size = u64(b + z + 40);
        cd_offset = u64(b + z + 48);
    }
    need(cd_offset, cd_size, "central directory");
    if (count > cd_size / kCentralSize) throw FormatError(file_, end, "central directory too small for " + std::to_string(count) + " entries");
    entries_.reserve(static_cast<std::size_t>(count));

    const std::uint64_t cd_end = cd_offset + cd_size;
    std::uint64_t p = cd_offset;
    for (std::uint64_t i = 0; i < count; ++i) {
        if (p + kCentralSize > cd_end) throw FormatError(file_, p, "central directory entry runs past the directory");
        const char* c = b + p;
        if (u32(c) != kCentralSig) throw FormatError(file_, p, "bad central directory signature");
        const std::uint64_t name_len = u16(c + 28), extra_len = u16(c + 30), comment_len = u16(c + 32);
        if (p + kCentralSize + name_len + extra_len + comment_len > cd_end)
            throw FormatError(file_, p, "central directory entry runs past the directory");
        Entry entry;
        entry.flags = u16(c + 8);
        entry.method = u16(c + 10);
        entry.crc = u32(c + 16);
        entry.compressed = u32(c + 20);
        entry.size = u32(c + 24);
        std::uint64_t local = u32(c + 42);
        entry.name.assign(c + kCentralSize, name_len);
        // The zip64 extra field holds, in this order, each of the sizes/offset saturated above (4.5.3).
        const char* x = c + kCentralSize + name_len;
        const char* x_end = x + extra_len;
        bool need_size = entry.size == kSaturated32, need_comp = entry.compressed == kSaturated32, need_local = local == kSaturated32;
        while (x_end - x >= 4) {
            const std::uint16_t id = u16(x), len = u16(x + 2);
            if (len > x_end - x - 4) throw FormatError(file_, p, "member " + entry.name + ": extra field runs past its entry");
            if (id == kZip64ExtraId) {
                const char* f = x + 4;
                const char* f_end = f + len;
                auto take = [&](std::uint64_t& v) {
                    if (f_end - f < 8) throw FormatError(file_, p, "member " + entry.name + ": zip64 extra field too short");
                    v = u64(f);
                    f += 8;
                };
                if (need_size) take(entry.size), need_size = false;
                if (need_comp) take(entry.compressed), need_comp = false;
                if (need_local) take(local), need_local = false;
            }
            x += 4 + len;
        }
        if (need_size || need_comp || need_local) throw FormatError(file_, p, "member " + entry.name + ": zip64 sizes missing");

        // The local header repeats the name and has its own extra field (numpy writes a 20-byte zip64 one).
        need(local, kLocalSize, "local header");
        const char* l = b + local;
        if (u32(l) != kLocalSig) throw FormatError(file_, local, "member " + entry.name + ": bad local header signature");
        const std::uint64_t l_name = u16(l + 26), l_extra = u16(l + 28);
        need(local + kLocalSize, l_name + l_extra, "local header name and extra field");
        if (std::string_view(l + kLocalSize, l_name) != entry.name)
            throw FormatError(file_, local, "member " + entry.name + ": local header names another member");
        entry.data_offset = local + kLocalSize + l_name + l_extra;
        need(entry.data_offset, entry.compressed, ("member " + entry.name + " data").c_str());
        entries_.push_back(std::move(entry));
        p += kCentralSize + name_len + extra_len + comment_len;
    }
}

const ZipReader::Entry* ZipReader::find(std::string_view member) const {
    for (const Entry& e : entries_)
        if (e.name == member) return &e;
    return nullptr;
}

bool ZipReader::contains(std::string_view member) const { return find(member) != nullptr; }

std::vector<std::string> ZipReader::names() const {
    std::vector<std::string> out;
    for (const Entry& e : entries_) out.push_back(e.name);
    return out;
}

std::string_view ZipReader::read(std::string_view member) {
    const Entry* found = find(member);
    if (found == nullptr) throw FormatError(file_, "member " + std::string(member) + " is missing");
    Entry& e = entries_[static_cast<std::size_t>(found - entries_.data())];
    if (!e.decoded) {
        e.content = decode(e);
        e.decoded = true;
    }
    return e.content;
}

std::string_view ZipReader::decode(const Entry& e) {
    const std::string where = "member " + e.name + ": ";
    if (e.flags & 1) throw FormatError(file_, e.data_offset, where + "encrypted members are not supported");
    if (e.size > kMaxMemberBytes) throw FormatError(file_, where + "declared size " + std::to_string(e.size) + " bytes is too large");
    const std::string_view in = bytes_.substr(static_cast<std::size_t>(e.data_offset), static_cast<std::size_t>(e.compressed));
    std::string_view out;
    if (e.method == kMethodStored) {
        if (e.compressed != e.size) throw FormatError(file_, e.data_offset, where + "stored member with different compressed and plain sizes");
        out = in;  // no copy
    } else if (e.method == kMethodDeflate) {
        // Not zero-filled: the inflater writes every byte or we throw.
        auto buf = std::unique_ptr<char[]>(new char[static_cast<std::size_t>(e.size) + 1]);
        switch (zipio::inflate_raw(in, buf.get(), static_cast<std::size_t>(e.size), inflater_)) {
            case zipio::InflateStatus::ok: break;
            case zipio::InflateStatus::corrupt: throw FormatError(file_, e.data_offset, where + "corrupt deflate data");
            case zipio::InflateStatus::too_long: throw FormatError(file_, e.data_offset, where + "more data than its declared size");
            case zipio::InflateStatus::too_short: throw FormatError(file_, e.data_offset, where + "truncated data (less than its declared size)");
        }
        out = std::string_view(buf.get(), static_cast<std::size_t>(e.size));
        buffers_.push_back(std::move(buf));
    } else {
        throw FormatError(file_, e.data_offset, where + "unsupported compression method " + std::to_string(e.method));
    }
    if (zipio::crc32(out, inflater_) != e.crc) throw FormatError(file_, e.data_offset, where + "CRC mismatch");
    return out;
}

}  // namespace quintet
