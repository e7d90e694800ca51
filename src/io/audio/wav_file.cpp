#include "io/audio/wav_file.hpp"

#include "util/error.hpp"

namespace quintet {
namespace {
void put_le(std::string& s, std::uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
}  // namespace

std::string wav_header_pcm16(int sample_rate, int channels, std::uint64_t frames) {
    const std::uint64_t data_bytes = frames * static_cast<std::uint64_t>(channels) * 2;
    if (data_bytes > 0xFFFFFFFFull - 36) throw UsageError("audio too long for a WAV file (over 4 GiB)");
    std::string h;
    h.reserve(kWavHeaderBytes);
    h += "RIFF";
    put_le(h, static_cast<std::uint32_t>(36 + data_bytes), 4);
    h += "WAVEfmt ";
    put_le(h, 16, 4);                                      // fmt chunk size
    put_le(h, 1, 2);                                       // PCM
    put_le(h, static_cast<std::uint32_t>(channels), 2);
    put_le(h, static_cast<std::uint32_t>(sample_rate), 4);
    put_le(h, static_cast<std::uint32_t>(sample_rate * channels * 2), 4);  // byte rate
    put_le(h, static_cast<std::uint32_t>(channels * 2), 2);                // block align
    put_le(h, 16, 2);                                      // bits per sample
    h += "data";
    put_le(h, static_cast<std::uint32_t>(data_bytes), 4);
    return h;
}

}  // namespace quintet
