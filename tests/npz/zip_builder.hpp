#pragma once
// Builds npz (zip) archives in memory for tests, member by member, with libzip.
#include <zip.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace quintet::test {

inline std::string build_zip(const std::vector<std::pair<std::string, std::string>>& members, bool deflate = true) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
    zip_source_keep(src);
    zip_t* za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
    if (za == nullptr) throw std::runtime_error("zip_open_from_source failed");
    for (const auto& [name, bytes] : members) {
        zip_source_t* m = zip_source_buffer(za, bytes.data(), bytes.size(), 0);
        zip_int64_t idx = zip_file_add(za, name.c_str(), m, 0);
        if (idx < 0) throw std::runtime_error("zip_file_add failed");
        zip_set_file_compression(za, idx, deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
    }
    if (zip_close(za) != 0) throw std::runtime_error("zip_close failed");
    zip_source_open(src);
    zip_source_seek(src, 0, SEEK_END);
    zip_int64_t size = zip_source_tell(src);
    zip_source_seek(src, 0, SEEK_SET);
    std::string out(static_cast<std::size_t>(size), '\0');
    zip_source_read(src, out.data(), size);
    zip_source_close(src);
    zip_source_free(src);
    return out;
}

}  // namespace quintet::test
