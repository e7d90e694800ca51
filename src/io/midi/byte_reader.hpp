#pragma once
// A bounds-checked cursor over a byte buffer: every read that would run past the end throws
// FormatError naming the file and the byte offset, so no malformed length can read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace quintet::midi_detail {

class ByteReader {
public:
    // scope names the region [begin, end) in messages ("file", "track chunk").
    ByteReader(std::string_view bytes, const std::string& file, std::size_t begin, std::size_t end,
               const char* scope = "file")
        : bytes_(bytes), file_(file), scope_(scope), pos_(begin), end_(end) {}

    std::size_t pos() const { return pos_; }
    std::size_t end() const { return end_; }
    bool at_end() const { return pos_ >= end_; }
    std::size_t remaining() const { return end_ - pos_; }

    [[noreturn]] void fail(std::size_t offset, const std::string& what) const {
        throw FormatError(file_, offset, what);
    }
    [[noreturn]] void fail(const std::string& what) const { fail(pos_, what); }

    std::uint8_t u8(const char* what) {
        need(1, what);
        return static_cast<std::uint8_t>(bytes_[pos_++]);
    }
    std::uint8_t peek(const char* what) const {
        need(1, what);
        return static_cast<std::uint8_t>(bytes_[pos_]);
    }
    std::uint16_t u16(const char* what) {
        need(2, what);
        std::uint16_t v = static_cast<std::uint16_t>((byte_at(pos_) << 8) | byte_at(pos_ + 1));
        pos_ += 2;
        return v;
    }
    std::uint32_t u32(const char* what) {
        need(4, what);
        std::uint32_t v = (std::uint32_t{byte_at(pos_)} << 24) | (std::uint32_t{byte_at(pos_ + 1)} << 16) |
                          (std::uint32_t{byte_at(pos_ + 2)} << 8) | std::uint32_t{byte_at(pos_ + 3)};
        pos_ += 4;
        return v;
    }
    // Variable-length quantity (SMF spec: at most 4 bytes, 7 bits each, high bit = "more follows").
    std::uint32_t vlq(const char* what) {
        const std::size_t start = pos_;
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) {
            std::uint8_t b = u8(what);
            v = (v << 7) | (b & 0x7Fu);
            if (!(b & 0x80u)) return v;
        }
        fail(start, std::string(what) + ": variable-length quantity longer than 4 bytes");
    }
    std::string_view bytes(std::size_t n, const char* what) {
        need(n, what);
        std::string_view v = bytes_.substr(pos_, n);
        pos_ += n;
        return v;
    }
    void skip(std::size_t n, const char* what) { bytes(n, what); }

private:
    std::uint8_t byte_at(std::size_t i) const { return static_cast<std::uint8_t>(bytes_[i]); }
    void need(std::size_t n, const char* what) const {
        if (n > end_ - pos_) [[unlikely]] short_read(n, what);
    }
    [[noreturn]] __attribute__((noinline)) void short_read(std::size_t n, const char* what) const {
        fail(pos_, std::string(what) + ": needs " + std::to_string(n) + " byte(s), " + std::to_string(end_ - pos_) +
                       " left in the " + scope_);
    }

    std::string_view bytes_;
    const std::string& file_;
    const char* scope_;
    std::size_t pos_;
    std::size_t end_;
};

}  // namespace quintet::midi_detail
