#include "io/audio/peak_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace quintet {

PeakLimiter::PeakLimiter(int sample_rate, float limit, bool enabled)
    : limit_(limit),
      enabled_(enabled),
      release_per_block_(static_cast<float>(kReleasePerSecond * kBlockFrames / sample_rate)) {}

namespace {
float block_ratio(const float* p, std::size_t frames, float limit) {
    float peak = 0;
    for (std::size_t i = 0; i < 2 * frames; ++i) peak = std::max(peak, std::abs(p[i]));
    return peak > limit ? limit / peak : 1.0f;
}
}  // namespace

void PeakLimiter::push(const float* frames, std::size_t n) {
    const std::size_t complete_before = pending_.size() / (2 * kBlockFrames);
    pending_.insert(pending_.end(), frames, frames + 2 * n);
    const std::size_t complete_after = pending_.size() / (2 * kBlockFrames);
    for (std::size_t b = complete_before; b < complete_after; ++b)
        block_ratio_.push_back(block_ratio(pending_.data() + 2 * b * kBlockFrames, kBlockFrames, limit_));
}

void PeakLimiter::finish() {
    if (finished_) return;
    finished_ = true;
    const std::size_t rest = (pending_.size() / 2) % kBlockFrames;
    if (rest > 0) block_ratio_.push_back(block_ratio(pending_.data() + pending_.size() - 2 * rest, rest, limit_));
}

// A block may go once the look-ahead after it is known (or nothing more comes).
std::size_t PeakLimiter::ready_blocks() const {
    if (finished_) return block_ratio_.size();
    return block_ratio_.size() > kLookaheadBlocks ? block_ratio_.size() - kLookaheadBlocks : 0;
}

float PeakLimiter::gain_of_first_block() {
    if (!enabled_) return 1.0f;
    float target = 1.0f;
    const std::size_t last = std::min(block_ratio_.size(), kLookaheadBlocks + 1);
    for (std::size_t d = 0; d < last; ++d) {
        const float r = block_ratio_[d];
        if (r < 1.0f) target = std::min(target, r + (1.0f - r) * static_cast<float>(d) / kLookaheadBlocks);
    }
    gain_ = std::min(target, std::min(1.0f, gain_ + release_per_block_));
    return gain_;
}

std::size_t PeakLimiter::pop(std::vector<std::int16_t>& out) {
    const std::size_t blocks = ready_blocks();
    std::size_t frames = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
        const float g = gain_of_first_block();
        const std::size_t n = std::min(kBlockFrames, pending_.size() / 2 - frames);
        const float* p = pending_.data() + 2 * frames;
        for (std::size_t k = 0; k < 2 * n; ++k)
            out.push_back(static_cast<std::int16_t>(std::clamp(std::lround(p[k] * g * 32767.0f), -32768L, 32767L)));
        frames += n;
        block_ratio_.erase(block_ratio_.begin());
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(2 * frames));
    return frames;
}

}  // namespace quintet
