// libFuzzer entry point for the LPD .npz reader: any input must parse or throw quintet::Error.
// It also decodes every zip member with both inflaters (libdeflate where built, zlib): where both
// accept a member they must give the same bytes (a corrupt stream may be refused by one only).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "io/npz/npz.hpp"
#include "io/npz/zip_reader.hpp"
#include "util/error.hpp"

namespace {

std::optional<std::string> decode(quintet::ZipReader& zip, const std::string& member) {
    try {
        return std::string(zip.read(member));
    } catch (const quintet::Error&) {
        return std::nullopt;
    }
}

void compare_inflaters(std::string_view bytes) {
    using quintet::zipio::Inflater;
    if (!quintet::zipio::have_libdeflate()) return;
    try {
        quintet::ZipReader fast(bytes, "fuzz.npz", Inflater::libdeflate);
        quintet::ZipReader slow(bytes, "fuzz.npz", Inflater::zlib);
        for (const std::string& name : fast.names()) {
            auto a = decode(fast, name), b = decode(slow, name);
            if (a && b && *a != *b) std::abort();  // the two inflaters disagree on an accepted member
        }
    } catch (const quintet::Error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        (void)quintet::parse_npz(bytes, "fuzz.npz");
    } catch (const quintet::Error&) {
    }
    compare_inflaters(bytes);
    return 0;
}
