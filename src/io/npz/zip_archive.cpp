#include "io/npz/zip_archive.hpp"

#include <zip.h>

#include "util/error.hpp"

namespace quintet {
namespace {

// An npz member larger than this is refused rather than allocated (LPD members are well under 10 MB).
constexpr std::uint64_t kMaxMemberBytes = std::uint64_t(1) << 30;

}  // namespace

ZipArchive::ZipArchive(std::string_view bytes, std::string file) : file_(std::move(file)) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (src == nullptr) {
        std::string msg = zip_error_strerror(&error);
        zip_error_fini(&error);
        throw FormatError(file_, "cannot read as zip: " + msg);
    }
    archive_ = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &error);
    if (archive_ == nullptr) {
        zip_source_free(src);
        std::string msg = zip_error_strerror(&error);
        zip_error_fini(&error);
        throw FormatError(file_, "not a valid npz (zip) archive: " + msg);
    }
    zip_error_fini(&error);
}

ZipArchive::~ZipArchive() {
    if (archive_ != nullptr) zip_discard(archive_);
}

bool ZipArchive::contains(const std::string& member) const {
    return zip_name_locate(archive_, member.c_str(), 0) >= 0;
}

std::string ZipArchive::read(const std::string& member) const {
    zip_int64_t index = zip_name_locate(archive_, member.c_str(), 0);
    if (index < 0) throw FormatError(file_, "member " + member + " is missing");
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(archive_, static_cast<zip_uint64_t>(index), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        throw FormatError(file_, "member " + member + ": cannot stat: " + zip_strerror(archive_));
    if (st.size > kMaxMemberBytes)
        throw FormatError(file_, "member " + member + ": declared size " + std::to_string(st.size) + " bytes is too large");
    zip_file_t* f = zip_fopen_index(archive_, static_cast<zip_uint64_t>(index), 0);
    if (f == nullptr) throw FormatError(file_, "member " + member + ": cannot open: " + zip_strerror(archive_));
    std::string out(static_cast<std::size_t>(st.size), '\0');
    zip_uint64_t got = 0;
    while (got < st.size) {
        zip_int64_t n = zip_fread(f, out.data() + got, st.size - got);
        if (n < 0) {
            std::string msg = zip_file_strerror(f);
            zip_fclose(f);
            throw FormatError(file_, "member " + member + ": corrupt data: " + msg);
        }
        if (n == 0) break;
        got += static_cast<zip_uint64_t>(n);
    }
    // One more read reaches end of stream, where libzip verifies the CRC.
    char extra;
    zip_int64_t tail = got == st.size ? zip_fread(f, &extra, 1) : 0;
    std::string msg = tail < 0 ? zip_file_strerror(f) : "";
    int close_err = zip_fclose(f);
    if (got != st.size) throw FormatError(file_, "member " + member + ": truncated data");
    if (tail < 0) throw FormatError(file_, "member " + member + ": corrupt data: " + msg);
    if (tail > 0) throw FormatError(file_, "member " + member + ": more data than its declared size");
    if (close_err != 0) throw FormatError(file_, "member " + member + ": corrupt data (CRC mismatch)");
    return out;
}

}  // namespace quintet
