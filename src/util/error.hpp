#pragma once
// Typed errors: library code throws these; the CLI prints one line and exits non-zero.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace quintet {

// Base of every error Quintet reports to a user.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A file's content is malformed. The message names the file and, where known, the byte offset.
class FormatError : public Error {
public:
    FormatError(const std::string& file, const std::string& what)
        : Error(file + ": " + what), file_(file) {}
    FormatError(const std::string& file, std::uint64_t offset, const std::string& what)
        : Error(file + ": byte " + std::to_string(offset) + ": " + what), file_(file), offset_(offset) {}
    const std::string& file() const { return file_; }
    std::int64_t offset() const { return offset_; }

private:
    std::string file_;
    std::int64_t offset_ = -1;
};

// A file could not be opened, read or written.
class IoError : public Error {
public:
    using Error::Error;
};

// A bad argument or option value (the CLI maps it to exit code 2, like every Error).
class UsageError : public Error {
public:
    using Error::Error;
};

}  // namespace quintet
