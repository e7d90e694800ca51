#include "util/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>

#include "util/error.hpp"

namespace quintet {
namespace fs = std::filesystem;

void write_atomically(const fs::path& path, const std::function<void(const fs::path&)>& write) {
    std::random_device rd;
    fs::path tmp = path;
    tmp += ".tmp" + std::to_string(rd() % 1000000);
    try {
        write(tmp);
        std::error_code ec;
        fs::rename(tmp, path, ec);
        if (ec) throw IoError(path.string() + ": cannot rename temporary file: " + ec.message());
    } catch (...) {
        std::error_code ignored;
        fs::remove(tmp, ignored);
        throw;
    }
}

void write_file_atomically(const fs::path& path, std::string_view bytes) {
    write_atomically(path, [&](const fs::path& tmp) {
        std::ofstream out(tmp, std::ios::binary);
        if (!out) throw IoError(path.string() + ": cannot open for writing: " + std::strerror(errno));
        errno = 0;
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.close();
        // errno says why (a full disk: "No space left on device"); the previous file stays as it was.
        if (!out) throw IoError(path.string() + ": write failed" + (errno ? std::string(": ") + std::strerror(errno) : ""));
    });
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(path.string() + ": cannot open for reading");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw IoError(path.string() + ": read failed");
    return ss.str();
}

}  // namespace quintet
