#include "nn/hash_dropout.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cstdint>
#include <mutex>

namespace quintet {

namespace hash_dropout_detail {

#if defined(__GNUC__)
#define QUINTET_HASH_INLINE inline __attribute__((always_inline))
#else
#define QUINTET_HASH_INLINE inline
#endif

// A 32-bit integer hash with good avalanche (the "lowbias32" constants of Chris Wellons' hash prospector).
QUINTET_HASH_INLINE std::uint32_t mix32(std::uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

// out[i] = in[i] * scale (or scale alone without `in`) when mix(mix(i + lo) ^ hi) >= threshold, else 0: independent
// per element, a loop GCC vectorises. Integer arithmetic decides: the same mask on every CPU, whichever copy runs.
template <bool WithInput>
QUINTET_HASH_INLINE void apply_body(const float* __restrict in, float* __restrict out, std::int64_t n, std::uint32_t threshold,
                                    float scale, std::uint64_t seed) {
    const auto lo = std::uint32_t(seed), hi = std::uint32_t(seed >> 32);
    for (std::int64_t start = 0; start < n; start += std::int64_t(1) << 32) {  // the counter is 32 bits: re-seed per 2^32
        const std::int64_t count = std::min<std::int64_t>(n - start, std::int64_t(1) << 32);
        const std::uint32_t block_hi = hi ^ mix32(std::uint32_t(start >> 32));
        float* o = out + start;
        const float* x = WithInput ? in + start : nullptr;
        for (std::int64_t i = 0; i < count; ++i) {
            const bool keep = mix32(mix32(std::uint32_t(i) + lo) ^ block_hi) >= threshold;
            if constexpr (WithInput) o[i] = keep ? x[i] * scale : 0.0f;
            else o[i] = keep ? scale : 0.0f;
        }
    }
}

QUINTET_HASH_INLINE void apply_any(const float* in, float* out, std::int64_t n, std::uint32_t threshold, float scale, std::uint64_t seed) {
    if (in) apply_body<true>(in, out, n, threshold, scale, seed);
    else apply_body<false>(in, out, n, threshold, scale, seed);
}

// The build's baseline (x86-64, SSE2) has no 32-bit vector multiply (2.4 ns an element); on x86-64 with GCC the
// loop is also compiled for AVX-512 and picked at run time, as src/nn/block_codec.cpp does.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target("avx512f,avx512vl,avx2,fma,prefer-vector-width=512"))) void apply_avx512(const float* in, float* out, std::int64_t n,
                                                                                               std::uint32_t threshold, float scale,
                                                                                               std::uint64_t seed) {
    apply_any(in, out, n, threshold, scale, seed);
}
bool cpu_has_avx512() {
    static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2");
    return has;
}
#endif

void apply_mask(const float* in, float* out, std::int64_t n, double p, std::uint64_t seed) {
    const auto threshold = std::uint32_t(std::min(p * 4294967296.0, 4294967295.0));
    const float scale = float(1.0 / (1.0 - p));
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    if (cpu_has_avx512()) return apply_avx512(in, out, n, threshold, scale, seed);
#endif
    apply_any(in, out, n, threshold, scale, seed);
}

// y = x * mask in one loop; the backward regenerates the mask from the seed (nothing kept but the seed).
struct HashDropoutFunction : torch::autograd::Function<HashDropoutFunction> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, double p, std::int64_t seed) {
        ctx->saved_data["p"] = p;
        ctx->saved_data["seed"] = seed;
        auto in = x.contiguous();
        auto out = torch::empty_like(in);
        apply_mask(in.data_ptr<float>(), out.data_ptr<float>(), in.numel(), p, std::uint64_t(seed));
        return out;
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
        auto g = grads[0].contiguous();
        auto out = torch::empty_like(g);
        apply_mask(g.data_ptr<float>(), out.data_ptr<float>(), g.numel(), ctx->saved_data["p"].toDouble(),
              std::uint64_t(ctx->saved_data["seed"].toInt()));
        return {out, torch::Tensor(), torch::Tensor()};
    }
};

}  // namespace hash_dropout_detail

torch::Tensor hash_dropout_mask(std::int64_t n, double p, std::uint64_t seed) {
    auto mask = torch::empty({n}, torch::kFloat);
    hash_dropout_detail::apply_mask(nullptr, mask.data_ptr<float>(), n, p, seed);
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
    return hash_dropout_detail::HashDropoutFunction::apply(x, p, std::int64_t(seed));
}

}  // namespace quintet
