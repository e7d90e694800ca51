#pragma once
// Test helper: a strict reader for the 16-bit PCM WAV files render_wav writes, parsed by hand from the
// RIFF layout (independent of the writer's code), and RMS over time windows.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "util/atomic_file.hpp"

namespace quintet::test {

struct Wav {
    int channels = 0, sample_rate = 0, bits = 0, format = 0;
    std::vector<std::int16_t> samples;  // interleaved
    std::size_t frames() const { return channels ? samples.size() / channels : 0; }
    // RMS of both channels over [t0, t1) seconds, full scale = 1.
    double rms(double t0, double t1) const {
        const auto f0 = static_cast<std::size_t>(t0 * sample_rate), f1 = std::min(frames(), static_cast<std::size_t>(t1 * sample_rate));
        double sum = 0;
        std::size_t n = 0;
        for (std::size_t f = f0; f < f1; ++f)
            for (int c = 0; c < channels; ++c, ++n) {
                const double v = samples[f * channels + c] / 32768.0;
                sum += v * v;
            }
        return n ? std::sqrt(sum / n) : 0.0;
    }
};

inline std::uint32_t le(const std::string& s, std::size_t at, int bytes) {
    std::uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(s[at + i]);
    return v;
}

inline Wav read_wav(const std::filesystem::path& p) {
    const std::string b = read_file(p);
    Wav w;
    EXPECT_GE(b.size(), 44u);
    if (b.size() < 44) return w;
    EXPECT_EQ(b.substr(0, 4), "RIFF");
    EXPECT_EQ(le(b, 4, 4), b.size() - 8);
    EXPECT_EQ(b.substr(8, 8), "WAVEfmt ");
    EXPECT_EQ(le(b, 16, 4), 16u);
    w.format = static_cast<int>(le(b, 20, 2));
    w.channels = static_cast<int>(le(b, 22, 2));
    w.sample_rate = static_cast<int>(le(b, 24, 4));
    EXPECT_EQ(le(b, 28, 4), static_cast<std::uint32_t>(w.sample_rate * w.channels * 2));
    EXPECT_EQ(le(b, 32, 2), static_cast<std::uint32_t>(w.channels * 2));
    w.bits = static_cast<int>(le(b, 34, 2));
    EXPECT_EQ(b.substr(36, 4), "data");
    const std::uint32_t data = le(b, 40, 4);
    EXPECT_EQ(data, b.size() - 44);
    w.samples.resize(data / 2);
    for (std::size_t i = 0; i < w.samples.size(); ++i)
        w.samples[i] = static_cast<std::int16_t>(le(b, 44 + 2 * i, 2));
    return w;
}

}  // namespace quintet::test
