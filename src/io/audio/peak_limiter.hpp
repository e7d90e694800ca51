#pragma once
// A look-ahead peak limiter for interleaved stereo floats, turned into 16-bit PCM. It works as the samples
// arrive, so a WAV can be sent (or written) while it is synthesized: the gain only goes down around the
// moments that would clip instead of over the whole song, which needs the whole song before its first byte.
//
// Per block of kBlockFrames frames, r = min(1, limit / block peak) (both channels linked). The gain of a
// block is the lowest of r_j + (1 - r_j) * d / kLookaheadBlocks over the next blocks j at distance
// d = 0..kLookaheadBlocks (a straight ramp down that reaches r_j at block j), and it may rise by at most
// kReleasePerSecond per second. So every block's gain is at most its own r (no sample over the limit), the
// loudest block of a song is played at exactly the limit, and a song that never reaches the limit is
// passed through with gain 1 (the bytes a plain conversion gives).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace quintet {

class PeakLimiter {
public:
    static constexpr std::size_t kBlockFrames = 32;
    static constexpr std::size_t kLookaheadBlocks = 16;  // 512 frames: 11.6 ms at 44.1 kHz
    static constexpr double kReleasePerSecond = 1.0;     // gain units per second on the way back up

    // enabled = false: gain 1 throughout (samples over full scale are clipped).
    PeakLimiter(int sample_rate, float limit, bool enabled);

    // Adds n stereo frames (2 n floats).
    void push(const float* frames, std::size_t n);
    // No more input: the frames held for the look-ahead may all go out.
    void finish();
    // Appends the frames that are ready, as interleaved little-endian 16-bit PCM bytes, to `out`; returns
    // how many frames it appended.
    std::size_t pop(std::vector<std::int16_t>& out);

private:
    std::size_t ready_blocks() const;
    float gain_of_first_block();

    float limit_;
    bool enabled_;
    float release_per_block_;
    bool finished_ = false;
    float gain_ = 1.0f;
    std::vector<float> pending_;        // frames not yet given out, interleaved
    std::vector<float> block_ratio_;    // r of each complete pending block (and of the last partial one once finished)
};

}  // namespace quintet
