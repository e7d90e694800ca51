#pragma once
// Locates ../shared/data (or $QUINTET_DATA); tests that need it skip with a clear message where absent,
// or fail with it in strict mode (support/skip_or_fail.hpp).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "support/skip_or_fail.hpp"

namespace quintet::test {

inline std::filesystem::path shared_data_dir() {
    if (const char* env = std::getenv("QUINTET_DATA")) return env;
    return QUINTET_SHARED_DATA;  // set by CMake: <source>/../shared/data
}

}  // namespace quintet::test

// Skips (fails, in strict mode) the current test unless <shared data>/sub exists.
#define QUINTET_REQUIRE_SHARED_DATA(sub)                                                                      \
    do {                                                                                                   \
        if (!std::filesystem::exists(::quintet::test::shared_data_dir() / (sub)))                          \
            QUINTET_SKIP_OR_FAIL("shared data not found: " << (::quintet::test::shared_data_dir() / (sub)) \
                                                           << " (set QUINTET_DATA to ../shared/data)");    \
    } while (0)
