#pragma once
// A read-only zip archive over bytes in memory, parsed by us (APPNOTE 6.3: end of central directory,
// zip64 locator/record, central directory, local headers with their extra fields) so that members
// are inflated in one call straight from the input bytes into their final buffer. Stored members are
// returned in place, without a copy. Every offset and size is checked against the bytes present.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/npz/inflate.hpp"

namespace quintet {

class ZipReader {
public:
    // `bytes` must outlive the reader. Throws FormatError(file, offset, ...) if it is not a readable zip.
    ZipReader(std::string_view bytes, std::string file, zipio::Inflater inflater = zipio::default_inflater());

    bool contains(std::string_view member) const;
    // The decoded member (CRC checked), valid as long as the reader. Decoded once; later calls reuse it.
    // Throws FormatError naming the file and member.
    std::string_view read(std::string_view member);
    std::vector<std::string> names() const;

private:
    struct Entry {
        std::string name;
        std::uint16_t flags = 0;
        std::uint16_t method = 0;
        std::uint32_t crc = 0;
        std::uint64_t compressed = 0;
        std::uint64_t size = 0;
        std::uint64_t data_offset = 0;  // after the local header, its name and its extra field
        bool decoded = false;
        std::string_view content;
    };
    const Entry* find(std::string_view member) const;
    void read_central_directory();
    std::string_view decode(const Entry& e);

    std::string_view bytes_;
    std::string file_;
    zipio::Inflater inflater_;
    std::vector<Entry> entries_;
    std::vector<std::unique_ptr<char[]>> buffers_;  // decoded members
};

}  // namespace quintet
