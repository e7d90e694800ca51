#include "nn/hash_dropout.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cstdint>
#include <mutex>

namespace quintet {

namespace hash_dropout_detail {

// A 32-bit integer hash with good avalanche (the "lowbias32" constants of Chris Wellons' hash prospector).
inline std::uint32_t mix32(std::uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

// out[i] = scale when mix(mix(i + lo) ^ hi) >= threshold, else 0: independent per element, a loop GCC vectorises.
void fill_mask(float* out, std::int64_t n, std::uint32_t threshold, float scale, std::uint64_t seed) {
    const auto lo = std::uint32_t(seed), hi = std::uint32_t(seed >> 32);
    for (std::int64_t start = 0; start < n; start += std::int64_t(1) << 32) {  // the counter is 32 bits: re-seed per 2^32
        const std::int64_t count = std::min<std::int64_t>(n - start, std::int64_t(1) << 32);
        const std::uint32_t block_hi = hi ^ mix32(std::uint32_t(start >> 32));
        float* o = out + start;
        for (std::int64_t i = 0; i < count; ++i) o[i] = mix32(mix32(std::uint32_t(i) + lo) ^ block_hi) >= threshold ? scale : 0.0f;
    }
}

}  // namespace hash_dropout_detail

torch::Tensor hash_dropout_mask(std::int64_t n, double p, std::uint64_t seed) {
    auto mask = torch::empty({n}, torch::kFloat);
    const double t = p * 4294967296.0;
    const auto threshold = std::uint32_t(std::min(t, 4294967295.0));
    hash_dropout_detail::fill_mask(mask.data_ptr<float>(), n, threshold, float(1.0 / (1.0 - p)), seed);
    return mask;
}

torch::Tensor hash_dropout(const torch::Tensor& x, double p, bool training) {
    if (!training || p == 0) return x;
    if (!x.device().is_cpu() || x.scalar_type() != torch::kFloat || p >= 1) return torch::dropout(x, p, training);
    std::uint64_t seed;
    {
        auto gen = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(gen.mutex());
        seed = at::check_generator<at::CPUGeneratorImpl>(gen)->random64();
    }
    return x * hash_dropout_mask(x.numel(), p, seed).view(x.sizes());
}

}  // namespace quintet
