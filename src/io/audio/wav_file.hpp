#pragma once
// The 44-byte RIFF/WAVE header of a 16-bit PCM file (Microsoft RIFF spec: "RIFF" size "WAVE", a 16-byte
// "fmt " chunk with format 1 = PCM, then the "data" chunk).
#include <cstdint>
#include <string>

namespace quintet {

inline constexpr int kWavHeaderBytes = 44;

// Throws UsageError when the data would not fit a RIFF file (4 GiB).
std::string wav_header_pcm16(int sample_rate, int channels, std::uint64_t frames);

}  // namespace quintet
