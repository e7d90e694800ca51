#pragma once
// Fast tests on one 128-pitch row of a roll, shared by the resampling code paths.
#include <cstdint>
#include <cstring>

#include "roll/multitrack.hpp"

namespace quintet {

// True if any of the 128 cells is non-zero: sixteen 8-byte words OR-ed together (rolls are mostly
// silent rows, and this is the inner loop of resampling a whole corpus).
inline bool row_has_notes(const std::uint8_t* row) {
    std::uint64_t acc = 0;
    for (int i = 0; i < kPitches / 8; ++i) {
        std::uint64_t w;
        std::memcpy(&w, row + 8 * i, 8);
        acc |= w;
    }
    return acc != 0;
}

}  // namespace quintet
