#include "systems/transformer/fast_step.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

// As src/nn/block_codec.cpp: the build's baseline is plain x86-64 (SSE2), so on x86-64 with GCC the step is
// compiled a second time for AVX-512 + FMA (the matrix-vector panels, the position and content scores and the
// weighted sum of values with intrinsics) and picked at run time. Helpers are always inlined so that they take
// the target of the function they are inlined into.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define QUINTET_XL_AVX512_KERNELS 1
#include <immintrin.h>
// GCC 12's own _mm512_shuffle_f32x4 / _mm512_permute_ps pass an undefined vector as the masked-off source,
// which -Wmaybe-uninitialized reports once they are inlined here (a false positive: the mask is all ones).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define QUINTET_XL_AVX512 __attribute__((target("avx512f,avx512vl,avx2,fma,prefer-vector-width=512")))
#endif
#if defined(__GNUC__)
#define QUINTET_XL_INLINE inline __attribute__((always_inline))
#else
#define QUINTET_XL_INLINE inline
#endif

namespace quintet {

// A named namespace (not an anonymous one): the system's files are compiled as one unity source.
namespace xl_fast_detail {

constexpr int kPanel = 128;  // output columns per panel (8 AVX-512 accumulators)
constexpr int kBlock = 32;   // distances per block of the sinusoid table

int round16(int n) { return (n + 15) / 16 * 16; }

#ifdef QUINTET_XL_AVX512_KERNELS
bool cpu_has_avx512() {
    static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                            __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return has;
}
#endif

// ---- plain-loop kernels (GCC vectorises the inner loops; no reduction in an inner loop) ----------------------

// A matrix W [out][in] packed in panels of up to kPanel output columns, each panel [in][width] (width a multiple
// of 16, columns past `out` zero): y[0 .. round16(out)) = bias + W x (bias may be null).
struct Panels {
    const float* w;
    int in, out_padded;
};

QUINTET_XL_INLINE void matvec_plain(const Panels& m, const float* __restrict x, const float* __restrict bias, float* __restrict y) {
    for (int j0 = 0; j0 < m.out_padded; j0 += kPanel) {
        const int width = std::min(kPanel, m.out_padded - j0);
        const float* panel = m.w + std::size_t(j0) * m.in;
        float acc[kPanel];
        for (int j = 0; j < width; ++j) acc[j] = bias ? bias[j0 + j] : 0.0f;
        for (int c = 0; c < m.in; ++c) {
            const float a = x[c];
            const float* row = panel + std::size_t(c) * width;
            for (int j = 0; j < width; ++j) acc[j] += a * row[j];
        }
        std::memcpy(y + j0, acc, sizeof(float) * std::size_t(width));
    }
}

// pos[h][d] = sum_c r[h][c] R(d)[c] for d in [0, K) (rounded up to kBlock), R in blocks [K / kBlock][D][kBlock].
QUINTET_XL_INLINE void positions_plain(int heads, int D, int K, const float* __restrict r, const float* __restrict table,
                                       float* __restrict pos, int ld_pos) {
    for (int d0 = 0; d0 < K; d0 += kBlock) {
        const float* block = table + std::size_t(d0) * D;
        for (int h = 0; h < heads; ++h) {
            float acc[kBlock] = {};
            const float* rh = r + std::size_t(h) * D;
            for (int c = 0; c < D; ++c)
                for (int j = 0; j < kBlock; ++j) acc[j] += rh[c] * block[std::size_t(c) * kBlock + j];
            std::memcpy(pos + std::size_t(h) * ld_pos + d0, acc, sizeof acc);
        }
    }
}

// score[i] = q·k_i + pos[K - 1 - i] for the K keys (k_i at keys + i dh): the key at i is K - 1 - i before the token.
QUINTET_XL_INLINE void scores_plain(int dh, int K, const float* __restrict q, const float* __restrict keys,
                                    const float* __restrict pos, float* __restrict score) {
    for (int i = 0; i < K; ++i) {
        const float* k = keys + std::size_t(i) * dh;
        float s = 0;
        for (int j = 0; j < dh; ++j) s += q[j] * k[j];
        score[i] = s + pos[K - 1 - i];
    }
}

// out[0 .. dh) = sum_i p[i] v_i / total.
QUINTET_XL_INLINE void weighted_values_plain(int dh, int K, const float* __restrict p, float total, const float* __restrict values,
                                             float* __restrict out) {
    for (int j = 0; j < dh; ++j) out[j] = 0;
    for (int i = 0; i < K; ++i) {
        const float a = p[i];
        const float* v = values + std::size_t(i) * dh;
        for (int j = 0; j < dh; ++j) out[j] += a * v[j];
    }
    const float inv = 1.0f / total;
    for (int j = 0; j < dh; ++j) out[j] *= inv;
}

// exp(x) for x <= 0 (softmax after the max is subtracted): x = n ln 2 + r, |r| <= ln 2 / 2, exp(r) by its Taylor
// series to r^6 (relative error < 2e-7), times 2^n through the exponent bits. A plain loop GCC vectorises
// (std::exp is a call per element).
QUINTET_XL_INLINE void exp_nonpositive(int n, float* __restrict x) {
    for (int i = 0; i < n; ++i) {
        const float v = std::max(x[i], -87.0f);
        const float k = (v * 1.44269504f + 12582912.0f) - 12582912.0f;  // round to nearest
        const float r = (v - k * 0.693145752f) - k * 1.42860677e-6f;   // ln 2 in two parts
        float p = 1.0f / 720;
        p = p * r + 1.0f / 120;
        p = p * r + 1.0f / 24;
        p = p * r + 1.0f / 6;
        p = p * r + 0.5f;
        p = p * r + 1.0f;
        p = p * r + 1.0f;
        x[i] = std::bit_cast<float>(std::bit_cast<std::int32_t>(p) + (static_cast<std::int32_t>(k) << 23));
    }
}

// The softmax's numerators in place (exp of each score minus the largest); returns their sum.
QUINTET_XL_INLINE float exponentiate_scores(int K, float* score) {
    float top = score[0];
    for (int i = 1; i < K; ++i) top = std::max(top, score[i]);
    for (int i = 0; i < K; ++i) score[i] -= top;
    exp_nonpositive(K, score);
    float total = 0;
    for (int i = 0; i < K; ++i) total += score[i];
    return total;
}

// torch::layer_norm over n values (biased variance), from `in` into `out` (may be the same).
QUINTET_XL_INLINE void layer_norm(int n, const float* in, const float* w, const float* b, float eps, float* out) {
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += in[i];
    const float mean = float(sum / n);
    double sq = 0;
    for (int i = 0; i < n; ++i) sq += double(in[i] - mean) * double(in[i] - mean);
    const float rstd = float(1.0 / std::sqrt(sq / n + double(eps)));
    for (int i = 0; i < n; ++i) out[i] = (in[i] - mean) * rstd * w[i] + b[i];
}

// torch::gelu's default (exact) form: x Φ(x) = x (1 + erf(x / √2)) / 2.
QUINTET_XL_INLINE void gelu(int n, float* x) {
    for (int i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678118654752f));
}

#ifdef QUINTET_XL_AVX512_KERNELS
// ---- AVX-512 kernels --------------------------------------------------------------------------------------

// The sum of the 16 lanes, staying in 512-bit registers (GCC 12's _mm512_reduce_add_ps trips -Wmaybe-uninitialized).
QUINTET_XL_AVX512 inline float sum_lanes(__m512 v) {
    v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
    v = _mm512_add_ps(v, _mm512_permute_ps(v, _MM_SHUFFLE(1, 0, 3, 2)));
    v = _mm512_add_ps(v, _mm512_permute_ps(v, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm512_cvtss_f32(v);
}

template <int NV>
QUINTET_XL_AVX512 inline void panel_avx512(const float* panel, int in, const float* x, const float* bias, float* y) {
    __m512 acc[NV];
#pragma GCC unroll 8
    for (int k = 0; k < NV; ++k) acc[k] = bias ? _mm512_loadu_ps(bias + 16 * k) : _mm512_setzero_ps();
    for (int c = 0; c < in; ++c) {
        const __m512 a = _mm512_set1_ps(x[c]);
        const float* row = panel + std::size_t(c) * (16 * NV);
#pragma GCC unroll 8
        for (int k = 0; k < NV; ++k) acc[k] = _mm512_fmadd_ps(a, _mm512_loadu_ps(row + 16 * k), acc[k]);
    }
#pragma GCC unroll 8
    for (int k = 0; k < NV; ++k) _mm512_storeu_ps(y + 16 * k, acc[k]);
}

QUINTET_XL_AVX512 inline void matvec_avx512(const Panels& m, const float* x, const float* bias, float* y) {
    for (int j0 = 0; j0 < m.out_padded; j0 += kPanel) {
        const int width = std::min(kPanel, m.out_padded - j0);
        const float* panel = m.w + std::size_t(j0) * m.in;
        const float* b = bias ? bias + j0 : nullptr;
        switch (width / 16) {
            case 1: panel_avx512<1>(panel, m.in, x, b, y + j0); break;
            case 2: panel_avx512<2>(panel, m.in, x, b, y + j0); break;
            case 3: panel_avx512<3>(panel, m.in, x, b, y + j0); break;
            case 4: panel_avx512<4>(panel, m.in, x, b, y + j0); break;
            case 5: panel_avx512<5>(panel, m.in, x, b, y + j0); break;
            case 6: panel_avx512<6>(panel, m.in, x, b, y + j0); break;
            case 7: panel_avx512<7>(panel, m.in, x, b, y + j0); break;
            default: panel_avx512<8>(panel, m.in, x, b, y + j0); break;
        }
    }
}

// Up to 4 heads at once per block of 32 distances: each table value loaded once for the group (8 accumulators
// for 4 heads).
template <int G>
QUINTET_XL_AVX512 inline void positions_group_avx512(int D, const float* block, const float* r, float* pos, int ld_pos) {
    __m512 acc[G][2];
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) acc[g][0] = acc[g][1] = _mm512_setzero_ps();
    for (int c = 0; c < D; ++c) {
        const __m512 t0 = _mm512_loadu_ps(block + std::size_t(c) * kBlock), t1 = _mm512_loadu_ps(block + std::size_t(c) * kBlock + 16);
#pragma GCC unroll 4
        for (int g = 0; g < G; ++g) {
            const __m512 a = _mm512_set1_ps(r[std::size_t(g) * D + c]);
            acc[g][0] = _mm512_fmadd_ps(a, t0, acc[g][0]);
            acc[g][1] = _mm512_fmadd_ps(a, t1, acc[g][1]);
        }
    }
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) {
        _mm512_storeu_ps(pos + std::size_t(g) * ld_pos, acc[g][0]);
        _mm512_storeu_ps(pos + std::size_t(g) * ld_pos + 16, acc[g][1]);
    }
}

QUINTET_XL_AVX512 inline void positions_avx512(int heads, int D, int K, const float* r, const float* table, float* pos, int ld_pos) {
    for (int d0 = 0; d0 < K; d0 += kBlock) {
        const float* block = table + std::size_t(d0) * D;
        for (int h = 0; h < heads; h += 4) {
            const float* rh = r + std::size_t(h) * D;
            float* ph = pos + std::size_t(h) * ld_pos + d0;
            switch (std::min(4, heads - h)) {
                case 1: positions_group_avx512<1>(D, block, rh, ph, ld_pos); break;
                case 2: positions_group_avx512<2>(D, block, rh, ph, ld_pos); break;
                case 3: positions_group_avx512<3>(D, block, rh, ph, ld_pos); break;
                default: positions_group_avx512<4>(D, block, rh, ph, ld_pos); break;
            }
        }
    }
}

// dh = 16 NV: the query in registers, one key per iteration (independent iterations overlap).
template <int NV>
QUINTET_XL_AVX512 inline void scores_avx512(int K, const float* q, const float* keys, const float* pos, float* score) {
    __m512 qv[NV];
#pragma GCC unroll 8
    for (int k = 0; k < NV; ++k) qv[k] = _mm512_loadu_ps(q + 16 * k);
    for (int i = 0; i < K; ++i) {
        const float* key = keys + std::size_t(i) * (16 * NV);
        __m512 acc = _mm512_mul_ps(qv[0], _mm512_loadu_ps(key));
#pragma GCC unroll 8
        for (int k = 1; k < NV; ++k) acc = _mm512_fmadd_ps(qv[k], _mm512_loadu_ps(key + 16 * k), acc);
        score[i] = sum_lanes(acc) + pos[K - 1 - i];
    }
}

// dh = 16 NV: two sets of accumulators (even and odd keys) to halve the dependency chains.
template <int NV>
QUINTET_XL_AVX512 inline void weighted_values_avx512(int K, const float* p, float total, const float* values, float* out) {
    __m512 a0[NV], a1[NV];
#pragma GCC unroll 8
    for (int k = 0; k < NV; ++k) a0[k] = a1[k] = _mm512_setzero_ps();
    int i = 0;
    for (; i + 1 < K; i += 2) {
        const __m512 p0 = _mm512_set1_ps(p[i]), p1 = _mm512_set1_ps(p[i + 1]);
        const float* v0 = values + std::size_t(i) * (16 * NV);
#pragma GCC unroll 8
        for (int k = 0; k < NV; ++k) {
            a0[k] = _mm512_fmadd_ps(p0, _mm512_loadu_ps(v0 + 16 * k), a0[k]);
            a1[k] = _mm512_fmadd_ps(p1, _mm512_loadu_ps(v0 + 16 * NV + 16 * k), a1[k]);
        }
    }
    if (i < K) {
        const __m512 p0 = _mm512_set1_ps(p[i]);
        const float* v0 = values + std::size_t(i) * (16 * NV);
#pragma GCC unroll 8
        for (int k = 0; k < NV; ++k) a0[k] = _mm512_fmadd_ps(p0, _mm512_loadu_ps(v0 + 16 * k), a0[k]);
    }
    const __m512 inv = _mm512_set1_ps(1.0f / total);
#pragma GCC unroll 8
    for (int k = 0; k < NV; ++k) _mm512_storeu_ps(out + 16 * k, _mm512_mul_ps(_mm512_add_ps(a0[k], a1[k]), inv));
}

template <int NV>
QUINTET_XL_AVX512 inline void head_avx512(int K, const float* q, const float* keys, const float* values, const float* pos,
                                          float* score, float* out);
#endif

// ---- the step ----------------------------------------------------------------------------------------------

struct StepArgs {
    const XlFastStep::Sizes* n;
    const std::vector<XlFastStep::Layer>* layers;
    const float *embed, *beat, *bar, *out_w, *out_bias, *uv, *table;
    float* scratch;
    float* const* kv;  // per layer: [2][H][capacity][dh]
    std::int64_t capacity, start, at, token, position;
};

// Scratch layout (floats): x, a, o [D_p each], qkv [3 hd_p], quv [2 hd], r [H D_p], vec [hd_p], f [d_inner_p],
// score [table_rows], pos [H table_rows], logits [vocab_p].
struct Scratch {
    float *x, *a, *o, *qkv, *quv, *r, *vec, *f, *score, *pos, *logits;
    static std::size_t floats(const XlFastStep::Sizes& n) {
        const std::size_t D = std::size_t(round16(n.d_model)), hd = std::size_t(round16(n.hd));
        return 3 * D + 3 * hd + 2 * hd + std::size_t(n.heads) * D + hd + std::size_t(round16(n.d_inner)) +
               std::size_t(n.table_rows) * (1 + std::size_t(n.heads)) + std::size_t(round16(n.vocab)) + 64;
    }
    Scratch(const XlFastStep::Sizes& n, float* s) {
        const std::size_t D = std::size_t(round16(n.d_model)), hd = std::size_t(round16(n.hd));
        auto take = [&](std::size_t count) {
            float* p = s;
            s += (count + 15) / 16 * 16;
            return p;
        };
        x = take(D), a = take(D), o = take(D), qkv = take(3 * hd), quv = take(2 * hd), r = take(std::size_t(n.heads) * D);
        vec = take(hd), f = take(std::size_t(round16(n.d_inner))), score = take(std::size_t(n.table_rows));
        pos = take(std::size_t(n.heads) * std::size_t(n.table_rows)), logits = take(std::size_t(round16(n.vocab)));
    }
};

template <bool Avx512>
QUINTET_XL_INLINE void matvec(const Panels& m, const float* x, const float* bias, float* y) {
#ifdef QUINTET_XL_AVX512_KERNELS
    if constexpr (Avx512) return matvec_avx512(m, x, bias, y);
#endif
    matvec_plain(m, x, bias, y);
}

// One head's attention: scores (content + position), softmax, the weighted sum of values into out [dh].
template <bool Avx512>
QUINTET_XL_INLINE void head(int dh, int K, const float* q, const float* keys, const float* values, const float* pos, float* score,
                            float* out) {
#ifdef QUINTET_XL_AVX512_KERNELS
    if constexpr (Avx512) {
        if (dh % 16 == 0 && dh <= 128) {
            switch (dh / 16) {
                case 1: return head_avx512<1>(K, q, keys, values, pos, score, out);
                case 2: return head_avx512<2>(K, q, keys, values, pos, score, out);
                case 3: return head_avx512<3>(K, q, keys, values, pos, score, out);
                case 4: return head_avx512<4>(K, q, keys, values, pos, score, out);
                case 5: return head_avx512<5>(K, q, keys, values, pos, score, out);
                case 6: return head_avx512<6>(K, q, keys, values, pos, score, out);
                case 7: return head_avx512<7>(K, q, keys, values, pos, score, out);
                default: return head_avx512<8>(K, q, keys, values, pos, score, out);
            }
        }
    }
#endif
    scores_plain(dh, K, q, keys, pos, score);
    const float total = exponentiate_scores(K, score);
    weighted_values_plain(dh, K, score, total, values, out);
}

#ifdef QUINTET_XL_AVX512_KERNELS
template <int NV>
QUINTET_XL_AVX512 inline void head_avx512(int K, const float* q, const float* keys, const float* values, const float* pos,
                                          float* score, float* out) {
    scores_avx512<NV>(K, q, keys, pos, score);
    const float total = exponentiate_scores(K, score);
    weighted_values_avx512<NV>(K, score, total, values, out);
}
#endif

template <bool Avx512>
QUINTET_XL_INLINE void step_body(const StepArgs& s) {
    const auto& n = *s.n;
    const int D = n.d_model, H = n.heads, dh = n.d_head, hd = n.hd, Dp = round16(D), hdp = round16(hd);
    const int K = int(s.at + 1 - s.start);
    Scratch b(n, s.scratch);
    const std::int64_t beat = s.position % TransformerXlConfig::beat_len;
    const std::int64_t bar = std::min<std::int64_t>(s.position / TransformerXlConfig::beat_len, TransformerXlConfig::max_bars - 1);
    const float *e = s.embed + s.token * D, *eb = s.beat + beat * D, *er = s.bar + bar * D;
    for (int i = 0; i < D; ++i) b.x[i] = e[i] + eb[i] + er[i];
    const float scale = float(1.0 / std::sqrt(double(dh)));

    for (std::size_t l = 0; l < s.layers->size(); ++l) {
        const auto& w = (*s.layers)[l];
        matvec<Avx512>({w.qkv, D, 3 * hdp}, b.x, nullptr, b.qkv);  // q, k, v each padded to hdp
        float* kv = s.kv[l];
        for (int h = 0; h < H; ++h) {
            std::memcpy(kv + ((std::size_t(h) * s.capacity) + std::size_t(s.at)) * dh, b.qkv + hdp + h * dh, sizeof(float) * std::size_t(dh));
            std::memcpy(kv + ((std::size_t(H + h) * s.capacity) + std::size_t(s.at)) * dh, b.qkv + 2 * hdp + h * dh,
                        sizeof(float) * std::size_t(dh));
        }
        // (q + u) and (q + v), scaled: the softmax's 1/sqrt(dh) moved onto the query.
        for (int i = 0; i < hd; ++i) {
            b.quv[i] = (b.qkv[i] + s.uv[i]) * scale;
            b.quv[hd + i] = (b.qkv[i] + s.uv[hd + i]) * scale;
        }
        for (int h = 0; h < H; ++h) matvec<Avx512>({w.r_heads + std::size_t(h) * Dp * dh, dh, Dp}, b.quv + hd + h * dh, nullptr, b.r + std::size_t(h) * Dp);
#ifdef QUINTET_XL_AVX512_KERNELS
        if constexpr (Avx512) positions_avx512(H, Dp, K, b.r, s.table, b.pos, n.table_rows);
        else
#endif
            positions_plain(H, Dp, K, b.r, s.table, b.pos, n.table_rows);
        for (int h = 0; h < H; ++h) {
            const float* keys = kv + (std::size_t(h) * s.capacity + std::size_t(s.start)) * dh;
            const float* values = kv + (std::size_t(H + h) * s.capacity + std::size_t(s.start)) * dh;
            head<Avx512>(dh, K, b.quv + h * dh, keys, values, b.pos + std::size_t(h) * n.table_rows, b.score, b.vec + h * dh);
        }
        matvec<Avx512>({w.out, hd, Dp}, b.vec, nullptr, b.o);
        for (int i = 0; i < D; ++i) b.o[i] += b.x[i];
        layer_norm(D, b.o, w.norm_w, w.norm_b, w.norm_eps, b.a);
        matvec<Avx512>({w.ff1, D, round16(n.d_inner)}, b.a, w.ff1_bias, b.f);
        gelu(n.d_inner, b.f);
        matvec<Avx512>({w.ff2, n.d_inner, Dp}, b.f, w.ff2_bias, b.o);
        for (int i = 0; i < D; ++i) b.o[i] += b.a[i];
        layer_norm(D, b.o, w.ff_norm_w, w.ff_norm_b, w.ff_norm_eps, b.x);
    }
    matvec<Avx512>({s.out_w, D, round16(n.vocab)}, b.x, s.out_bias, b.logits);
}

void step_generic(const StepArgs& s) { step_body<false>(s); }
#ifdef QUINTET_XL_AVX512_KERNELS
QUINTET_XL_AVX512 void step_avx512(const StepArgs& s) { step_body<true>(s); }
#endif

// ---- packing -------------------------------------------------------------------------------------------------

torch::Tensor cpu_float(const torch::Tensor& t) { return t.detach().to(torch::kCPU, torch::kFloat).contiguous(); }

std::size_t panels_floats(int out, int in) { return std::size_t(round16(out)) * std::size_t(in); }

// W [out][in] -> panels of up to kPanel columns, each [in][width], zero past `out`.
const float* pack_panels(WeightArena& arena, const torch::Tensor& weight) {
    auto w = cpu_float(weight);
    const int out = int(w.size(0)), in = int(w.size(1)), outp = round16(out);
    auto packed = arena.take({std::int64_t(panels_floats(out, in))});
    float* dst = packed.data_ptr<float>();
    const float* src = w.data_ptr<float>();
    for (int j0 = 0; j0 < outp; j0 += kPanel) {
        const int width = std::min(kPanel, outp - j0);
        float* panel = dst + std::size_t(j0) * in;
        for (int c = 0; c < in; ++c)
            for (int j = 0; j < width; ++j)
                panel[std::size_t(c) * width + j] = j0 + j < out ? src[std::size_t(j0 + j) * in + c] : 0.0f;
    }
    return packed.data_ptr<float>();
}

const float* pack_padded(WeightArena& arena, const torch::Tensor& v, int length) {
    auto src = cpu_float(v);
    auto dst = arena.take({length});
    std::memset(dst.data_ptr<float>(), 0, sizeof(float) * std::size_t(length));
    std::memcpy(dst.data_ptr<float>(), src.data_ptr<float>(), sizeof(float) * std::size_t(src.numel()));
    return dst.data_ptr<float>();
}

XlFastStep::Sizes sizes_of(const TransformerXlConfig& c) {
    XlFastStep::Sizes n;
    n.vocab = c.vocab, n.layers = c.layers, n.d_model = c.d_model, n.heads = c.heads, n.d_head = c.d_head;
    n.d_inner = c.d_inner, n.mem_len = c.mem_len, n.hd = c.heads * c.d_head;
    n.table_rows = (c.mem_len + 1 + kBlock - 1) / kBlock * kBlock;  // a step sees at most mem_len + 1 positions
    return n;
}

std::size_t arena_floats(const XlFastStep::Sizes& n) {
    const int D = n.d_model, Dp = round16(D), hd = n.hd, hdp = round16(hd);
    std::size_t layer = std::size_t(3 * hdp) * D + std::size_t(n.heads) * std::size_t(Dp) * std::size_t(n.d_head) +
                        panels_floats(D, hd) + panels_floats(n.d_inner, D) + std::size_t(round16(n.d_inner)) +
                        panels_floats(D, n.d_inner) + std::size_t(Dp) + 4 * std::size_t(D);
    std::size_t rest = std::size_t(n.vocab + TransformerXlConfig::beat_len + TransformerXlConfig::max_bars) * D +
                       panels_floats(n.vocab, D) + std::size_t(round16(n.vocab)) + 2 * std::size_t(hd) +
                       std::size_t(n.table_rows) * std::size_t(Dp);
    return std::size_t(n.layers) * (layer + 16 * 16) + rest + 16 * 16;
}

}  // namespace xl_fast_detail

bool XlFastStep::supports(const TransformerXlImpl& model) {
    const auto& w = model.embed->weight;
    return w.device().is_cpu() && w.scalar_type() == torch::kFloat;
}

bool XlFastStep::uses_avx512() const {
    using namespace xl_fast_detail;
#ifdef QUINTET_XL_AVX512_KERNELS
    return !generic_ && cpu_has_avx512();
#else
    return false;
#endif
}

XlFastStep::XlFastStep(const TransformerXlImpl& model)
    : config_(model.config), n_(xl_fast_detail::sizes_of(model.config)), arena_(xl_fast_detail::arena_floats(n_)) {
    using namespace xl_fast_detail;
    torch::NoGradGuard no_grad;
    const int D = n_.d_model, Dp = round16(D), hd = n_.hd, hdp = round16(hd), dh = n_.d_head;
    for (std::size_t l = 0; l < model.layers->size(); ++l) {
        const auto& layer = *model.layers->ptr<XlLayerImpl>(l);
        const auto& attn = *layer.attn;
        Layer p{};
        // q, k and v each padded to hdp rows, so that the three start on a 16-float boundary.
        auto qkv = cpu_float(attn.qkv->weight);
        auto qkv_padded = torch::zeros({3 * hdp, D});
        for (int part = 0; part < 3; ++part) qkv_padded.narrow(0, part * hdp, hd).copy_(qkv.narrow(0, part * hd, hd));
        p.qkv = pack_panels(arena_, qkv_padded);
        // W_r per head, transposed: r_h = W_r[h]^T (q + v)_h is a matrix-vector product with D outputs.
        auto wr = cpu_float(attn.r_proj->weight);  // [hd, D]
        const float* first = nullptr;
        for (int h = 0; h < n_.heads; ++h) {
            const float* packed = pack_panels(arena_, wr.narrow(0, h * dh, dh).t().contiguous());
            if (h == 0) first = packed;
            if (packed != first + std::size_t(h) * Dp * dh) throw std::logic_error("XlFastStep: per-head panels not adjacent");
        }
        p.r_heads = first;
        p.out = pack_panels(arena_, attn.out->weight);
        p.ff1 = pack_panels(arena_, layer.ff1->weight);
        p.ff1_bias = pack_padded(arena_, layer.ff1->bias, round16(n_.d_inner));
        p.ff2 = pack_panels(arena_, layer.ff2->weight);
        p.ff2_bias = pack_padded(arena_, layer.ff2->bias, Dp);
        p.norm_w = arena_.copy(attn.norm->weight).data_ptr<float>();
        p.norm_b = arena_.copy(attn.norm->bias).data_ptr<float>();
        p.ff_norm_w = arena_.copy(layer.ff_norm->weight).data_ptr<float>();
        p.ff_norm_b = arena_.copy(layer.ff_norm->bias).data_ptr<float>();
        p.norm_eps = float(attn.norm->options.eps());
        p.ff_norm_eps = float(layer.ff_norm->options.eps());
        layers_.push_back(p);
    }
    embed_ = arena_.copy(model.embed->weight).data_ptr<float>();
    beat_ = arena_.copy(model.beat_embed->weight).data_ptr<float>();
    bar_ = arena_.copy(model.bar_embed->weight).data_ptr<float>();
    out_w_ = pack_panels(arena_, model.embed->weight);
    out_bias_ = pack_padded(arena_, model.out_bias, round16(n_.vocab));
    uv_ = arena_.copy(torch::stack({model.u, model.v})).data_ptr<float>();
    // The raw sinusoids R(d) (the module's distance_encoding), in blocks of kBlock distances [D_p][kBlock].
    auto raw = distance_encoding(n_.table_rows, D, torch::TensorOptions().dtype(torch::kFloat));
    auto table = arena_.take({std::int64_t(n_.table_rows) * Dp});
    float* t = table.data_ptr<float>();
    std::memset(t, 0, sizeof(float) * std::size_t(table.numel()));
    const float* r = raw.data_ptr<float>();
    for (int d = 0; d < n_.table_rows; ++d)
        for (int c = 0; c < D; ++c) t[std::size_t(d / kBlock) * Dp * kBlock + std::size_t(c) * kBlock + d % kBlock] = r[std::size_t(d) * D + c];
    table_ = t;
    scratch_.assign(Scratch::floats(n_), 0.0f);
    kv_.assign(std::size_t(n_.layers), nullptr);
    logits_ = torch::from_blob(Scratch(n_, scratch_.data()).logits, {n_.vocab}, torch::kFloat);
}

torch::Tensor XlFastStep::step(std::int64_t token, std::int64_t position, XlCache& cache) {
    using namespace xl_fast_detail;
    if (token < 0 || token >= n_.vocab) throw std::out_of_range("XlFastStep: token " + std::to_string(token) + " outside the vocabulary");
    if (position < 0) throw std::out_of_range("XlFastStep: negative position");
    reserve_cache(cache, 1, 1, config_, torch::TensorOptions().dtype(torch::kFloat));
    if (cache.kv.size() != kv_.size()) throw std::invalid_argument("XlFastStep: the cache holds another number of layers");
    for (std::size_t l = 0; l < cache.kv.size(); ++l) {
        auto& t = cache.kv[l];
        if (!t.device().is_cpu() || t.scalar_type() != torch::kFloat || !t.is_contiguous() || t.dim() != 5 || t.size(0) != 2 ||
            t.size(1) != 1 || t.size(2) != n_.heads || t.size(4) != n_.d_head || t.size(3) != cache.kv[0].size(3))
            throw std::invalid_argument("XlFastStep: the cache must hold contiguous CPU float buffers [2, 1, heads, capacity, d_head]");
        kv_[l] = t.data_ptr<float>();
    }
    const std::int64_t at = cache.end, K = at + 1 - cache.start;
    if (K > n_.table_rows) throw std::logic_error("XlFastStep: the cache holds more than mem_len positions");
    const StepArgs args{&n_,     &layers_, embed_, beat_,       bar_,        out_w_,        out_bias_, uv_, table_,
                        scratch_.data(), kv_.data(), cache.kv[0].size(3), cache.start, at, token, position};
#ifdef QUINTET_XL_AVX512_KERNELS
    if (uses_avx512()) step_avx512(args);
    else
#endif
        step_generic(args);
    cache.end += 1;
    cache.start = std::max(cache.start, cache.end - n_.mem_len);
    return logits_;
}

}  // namespace quintet
