#pragma once
// Builds small Standard MIDI Files byte by byte for hand-checked tests.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace quintet::test {

inline std::string bytes_of(std::initializer_list<int> v) {
    std::string s;
    for (int b : v) s.push_back(static_cast<char>(b));
    return s;
}

inline std::string be32(std::uint32_t v) {
    return bytes_of({int(v >> 24) & 0xFF, int(v >> 16) & 0xFF, int(v >> 8) & 0xFF, int(v) & 0xFF});
}

inline std::string smf_header(int format, int tracks, int division) {
    return "MThd" + be32(6) + bytes_of({format >> 8, format & 0xFF, tracks >> 8, tracks & 0xFF, (division >> 8) & 0xFF, division & 0xFF});
}

inline std::string mtrk(const std::string& events) { return "MTrk" + be32(static_cast<std::uint32_t>(events.size())) + events; }

}  // namespace quintet::test
