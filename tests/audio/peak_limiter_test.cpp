#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "io/audio/peak_limiter.hpp"

using namespace quintet;

namespace {
constexpr int kRate = 44100;
constexpr std::size_t kB = PeakLimiter::kBlockFrames;

// Stereo frames with the same value on both channels, one value per block.
std::vector<float> blocks_of(const std::vector<float>& per_block) {
    std::vector<float> out;
    for (float v : per_block) out.insert(out.end(), 2 * kB, v);
    return out;
}

// Pushes in pieces of `piece` frames, popping after each, then finishes.
std::vector<std::int16_t> run(const std::vector<float>& frames, std::size_t piece, bool enabled = true) {
    PeakLimiter limiter(kRate, 0.98f, enabled);
    std::vector<std::int16_t> out;
    for (std::size_t f = 0; f < frames.size() / 2; f += piece) {
        limiter.push(frames.data() + 2 * f, std::min(piece, frames.size() / 2 - f));
        limiter.pop(out);
    }
    limiter.finish();
    limiter.pop(out);
    return out;
}

int pcm(double v) { return static_cast<int>(std::lround(v * 32767.0)); }
}  // namespace

TEST(PeakLimiter, AQuietSignalPassesUnchanged) {
    const auto out = run(blocks_of(std::vector<float>(50, 0.5f)), 100);
    ASSERT_EQ(out.size(), 50 * 2 * kB);
    for (auto v : out) EXPECT_EQ(v, pcm(0.5));  // 16383.5 rounds to 16384
}

TEST(PeakLimiter, ALoudSignalIsHeldAtTheLimit) {
    // 2.0 throughout: r = 0.98 / 2 = 0.49 from the first block on, so every sample is 0.98 of full scale.
    const auto out = run(blocks_of(std::vector<float>(40, 2.0f)), 77);
    ASSERT_EQ(out.size(), 40 * 2 * kB);
    for (auto v : out) EXPECT_NEAR(v, pcm(0.98), 1);
}

TEST(PeakLimiter, OneLoudBlockIsApproachedByARampAndLeftByTheRelease) {
    // 0.5 everywhere but block 20 at 1.96 (r = 0.5): blocks 4..20 ramp down from 1 to 0.5 (block 20 - d has
    // gain 0.5 + 0.5 d / 16), then the gain rises by 32 / 44100 per block.
    std::vector<float> level(60, 0.5f);
    level[20] = 1.96f;
    const auto out = run(blocks_of(level), 1000);
    ASSERT_EQ(out.size(), 60 * 2 * kB);
    auto sample_of_block = [&](std::size_t b) { return static_cast<int>(out[2 * kB * b + 5]); };
    for (std::size_t b = 0; b <= 4; ++b) EXPECT_EQ(sample_of_block(b), pcm(0.5)) << b;
    for (std::size_t d = 0; d <= 16; ++d)
        EXPECT_NEAR(sample_of_block(20 - d), pcm(level[20 - d] * (0.5 + 0.5 * d / 16.0)), 1) << d;
    EXPECT_NEAR(sample_of_block(20), pcm(0.98), 1);  // the loudest moment at exactly the limit
    for (std::size_t k = 1; k <= 10; ++k)
        EXPECT_NEAR(sample_of_block(20 + k), pcm(0.5 * (0.5 + k * 32.0 / kRate)), 1) << k;
    // Every block's samples share one gain.
    for (std::size_t i = 0; i < 2 * kB; ++i) EXPECT_EQ(out[2 * kB * 12 + i], out[2 * kB * 12]);
}

TEST(PeakLimiter, ThePiecesTheSamplesComeInChangeNothing) {
    std::vector<float> frames;
    for (int i = 0; i < 5000; ++i) {
        const float v = 1.5f * std::sin(0.01f * i) * std::sin(0.0007f * i);
        frames.push_back(v);
        frames.push_back(-0.8f * v);
    }
    const auto whole = run(frames, 5000);
    EXPECT_EQ(whole.size(), frames.size());
    for (std::size_t piece : {1, 31, 32, 33, 700}) EXPECT_EQ(run(frames, piece), whole) << piece;
    int peak = 0;
    for (auto v : whole) peak = std::max(peak, std::abs(int(v)));
    EXPECT_LE(peak, pcm(0.98));
    EXPECT_GE(peak, pcm(0.98) - 1);
}

TEST(PeakLimiter, DisabledItClipsAtFullScale) {
    const auto out = run(blocks_of({2.0f, -2.0f, 0.25f}), 10, false);
    ASSERT_EQ(out.size(), 3 * 2 * kB);
    EXPECT_EQ(out[0], 32767);
    EXPECT_EQ(out[2 * kB], -32768);
    EXPECT_EQ(out[4 * kB], pcm(0.25));
}
