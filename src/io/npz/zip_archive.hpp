#pragma once
// A read-only zip archive over bytes in memory (libzip), with errors that name the file and member.
#include <cstdint>
#include <string>
#include <string_view>

struct zip;

namespace quintet {

class ZipArchive {
public:
    // `bytes` must outlive the archive. Throws FormatError(file) if it is not a readable zip.
    ZipArchive(std::string_view bytes, std::string file);
    ~ZipArchive();
    ZipArchive(const ZipArchive&) = delete;
    ZipArchive& operator=(const ZipArchive&) = delete;

    bool contains(const std::string& member) const;
    // The decompressed member (CRC checked). Throws FormatError naming file and member.
    std::string read(const std::string& member) const;

private:
    struct zip* archive_ = nullptr;
    std::string file_;
};

}  // namespace quintet
