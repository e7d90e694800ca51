// libFuzzer entry point for the LPD .npz reader: any input must parse or throw quintet::Error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "io/npz/npz.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        (void)quintet::parse_npz(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.npz");
    } catch (const quintet::Error&) {
    }
    return 0;
}
