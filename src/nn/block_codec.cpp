#include "nn/block_codec.hpp"

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#if defined(__linux__)
#include <sys/mman.h>
#endif

// The kernels are plain loops that GCC vectorises, plus one register-blocked GEMM. The build's baseline is
// plain x86-64 (SSE2), so on x86-64 with GCC the layer code is also compiled for AVX-512 + FMA (the GEMM
// with intrinsics) and picked at run time when the CPU has them. Helpers are always inlined so that they
// take the target of the function they are inlined into.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define QUINTET_CODEC_AVX512_KERNELS 1
#include <immintrin.h>
#define QUINTET_CODEC_AVX512 __attribute__((target("avx512f,avx512vl,avx2,fma,prefer-vector-width=512")))
#endif
#if defined(__GNUC__)
#define QUINTET_CODEC_INLINE inline __attribute__((always_inline))
#else
#define QUINTET_CODEC_INLINE inline
#endif

namespace quintet {

namespace block_codec_detail {

constexpr int kSteps = 32, kPitchCount = 128;
constexpr int kC1 = 64, kC2 = 128, kC3 = 256;  // channels after conv1, conv2, conv3 (and deconv2, deconv1, the input)
constexpr int kRegions = 16;                   // conv2 positions = deconv1 positions: 2 x 8 regions of 16 x 16 cells
constexpr int kPatches = 16;                   // 4 x 4 patches of 4 x 4 cells per region

#ifdef QUINTET_CODEC_AVX512_KERNELS
// The widest kernels this CPU runs: 2 AVX-512 + FMA, 1 AVX2 + FMA, 0 the baseline. QUINTET_CODEC_ISA=avx2 or
// =baseline caps it, to measure (and test) on one CPU the paths that others take (bench/vae_nn, docs/BENCHMARKS.md).
int codec_level() {
    static const int level = [] {
        const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        int l = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") ? 2 : avx2 ? 1 : 0;
        const char* cap = std::getenv("QUINTET_CODEC_ISA");
        if (cap && std::string(cap) == "avx2" && l > 1) l = 1;
        if (cap && std::string(cap) == "baseline") l = 0;
        return l;
    }();
    return level;
}
bool cpu_has_avx512() { return codec_level() == 2; }
bool cpu_has_avx2() { return codec_level() >= 1; }
#define QUINTET_CODEC_AVX2 __attribute__((target("avx2,fma")))
#endif

// y[0..n) += a * x[0..n)
QUINTET_CODEC_INLINE void axpy(int n, float a, const float* __restrict x, float* __restrict y) {
    for (int i = 0; i < n; ++i) y[i] += a * x[i];
}

QUINTET_CODEC_INLINE void relu(int n, float* x) {
    for (int i = 0; i < n; ++i) x[i] = x[i] > 0 ? x[i] : 0;
}

QUINTET_CODEC_INLINE void affine_sparse(int in, int out, const float* __restrict x, const float* __restrict w,
                                        const float* __restrict bias, float* __restrict y) {
    std::memcpy(y, bias, sizeof(float) * std::size_t(out));
    for (int c = 0; c < in; ++c)
        if (x[c] != 0) axpy(out, x[c], w + std::size_t(c) * out, y);
}

// A small GEMM with the input given transposed: y[r][j] = bias[j] + sum over c in cols of xt[c][r] * W[c][j],
// for rows <= 16 and out a multiple of 16; ReLU on the result when asked. xt has row stride ldxt, y ldy.
// W is stored in panels of 16 columns, w[(j / 16) * in * 16 + c * 16 + j % 16], so the loop over c reads it
// sequentially (with W row-major the rows 4 KB apart all fell into one L1 set and every load missed), and
// the 16 row values of one input column are adjacent (one cache line).
struct GemmArgs {
    int rows;
    const float* xt;
    int ldxt;
    const int* cols;  // the input columns to use (the others are 0 in every row)
    int ncols;
    const float* w;
    int in;
    int out;
    const float* bias;
    bool relu;
    float* y;
    int ldy;
};

QUINTET_CODEC_INLINE void gemm_loops(const GemmArgs& a) {
    for (int r = 0; r < a.rows; ++r) {
        float* y = a.y + std::size_t(r) * a.ldy;
        std::memcpy(y, a.bias, sizeof(float) * std::size_t(a.out));
        for (int j = 0; j < a.out; j += 16) {
            const float* panel = a.w + std::size_t(j) * a.in;
            for (int i = 0; i < a.ncols; ++i) {
                const int c = a.cols[i];
                const float x = a.xt[std::size_t(c) * a.ldxt + r];
                if (x != 0) axpy(16, x, panel + std::size_t(c) * 16, y + j);
            }
        }
        if (a.relu) relu(a.out, y);
    }
}

void gemm_generic(const GemmArgs& a) { gemm_loops(a); }
#ifdef QUINTET_CODEC_AVX512_KERNELS
// The AVX2 form of gemm_block_avx512: R <= 6 rows x 16 columns (two 8-wide registers each) of accumulators stay
// in the 16 registers while a panel streams past.
template <int R>
QUINTET_CODEC_AVX2 void gemm_rows_avx2(const GemmArgs& a, int row0) {
    const __m256 zero = _mm256_setzero_ps();
    for (int j = 0; j < a.out; j += 16) {
        __m256 lo[R], hi[R];
        const float* panel = a.w + std::size_t(j) * a.in;
        const __m256 bias_lo = _mm256_loadu_ps(a.bias + j), bias_hi = _mm256_loadu_ps(a.bias + j + 8);
#pragma GCC unroll 6
        for (int r = 0; r < R; ++r) {
            lo[r] = bias_lo;
            hi[r] = bias_hi;
        }
        for (int i = 0; i < a.ncols; ++i) {
            const int c = a.cols[i];
            const __m256 w_lo = _mm256_loadu_ps(panel + std::size_t(c) * 16), w_hi = _mm256_loadu_ps(panel + std::size_t(c) * 16 + 8);
            const float* x = a.xt + std::size_t(c) * a.ldxt + row0;
#pragma GCC unroll 6
            for (int r = 0; r < R; ++r) {
                const __m256 b = _mm256_broadcast_ss(x + r);
                lo[r] = _mm256_fmadd_ps(b, w_lo, lo[r]);
                hi[r] = _mm256_fmadd_ps(b, w_hi, hi[r]);
            }
        }
#pragma GCC unroll 6
        for (int r = 0; r < R; ++r) {
            float* y = a.y + std::size_t(row0 + r) * a.ldy + j;
            // max(x, 0) returns 0 for NaN and both zeros: the ReLU x > 0 ? x : 0
            _mm256_storeu_ps(y, a.relu ? _mm256_max_ps(lo[r], zero) : lo[r]);
            _mm256_storeu_ps(y + 8, a.relu ? _mm256_max_ps(hi[r], zero) : hi[r]);
        }
    }
}

QUINTET_CODEC_AVX2 void gemm_avx2(const GemmArgs& a) {
    for (int row0 = 0; row0 < a.rows; row0 += 6) {
        switch (a.rows - row0 < 6 ? a.rows - row0 : 6) {
            case 1: gemm_rows_avx2<1>(a, row0); break;
            case 2: gemm_rows_avx2<2>(a, row0); break;
            case 3: gemm_rows_avx2<3>(a, row0); break;
            case 4: gemm_rows_avx2<4>(a, row0); break;
            case 5: gemm_rows_avx2<5>(a, row0); break;
            default: gemm_rows_avx2<6>(a, row0); break;
        }
    }
}
#endif

#ifdef QUINTET_CODEC_AVX512_KERNELS
// R rows x 16 columns of accumulators stay in registers while a panel streams past once.
template <int R>
QUINTET_CODEC_AVX512 void gemm_block_avx512(const GemmArgs& a, int row0) {
    const __m512 zero = _mm512_setzero_ps();
    for (int j = 0; j < a.out; j += 16) {
        __m512 acc[R];
        const float* panel = a.w + std::size_t(j) * a.in;
        const __m512 b = _mm512_loadu_ps(a.bias + j);
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) acc[r] = b;
        for (int i = 0; i < a.ncols; ++i) {
            const int c = a.cols[i];
            const __m512 w = _mm512_loadu_ps(panel + std::size_t(c) * 16);
            const float* x = a.xt + std::size_t(c) * a.ldxt + row0;
#pragma GCC unroll 16
            for (int r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(x[r]), w, acc[r]);
        }
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r)
            _mm512_storeu_ps(a.y + std::size_t(row0 + r) * a.ldy + j,
                             a.relu ? _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(acc[r], zero, _CMP_GT_OQ), acc[r]) : acc[r]);
    }
}

QUINTET_CODEC_AVX512 void gemm_avx512(const GemmArgs& a) {
    switch (a.rows) {
        case 0: break;
        case 1: gemm_block_avx512<1>(a, 0); break;
        case 2: gemm_block_avx512<2>(a, 0); break;
        case 3: gemm_block_avx512<3>(a, 0); break;
        case 4: gemm_block_avx512<4>(a, 0); break;
        case 5: gemm_block_avx512<5>(a, 0); break;
        case 6: gemm_block_avx512<6>(a, 0); break;
        case 7: gemm_block_avx512<7>(a, 0); break;
        case 8: gemm_block_avx512<8>(a, 0); break;
        case 9: gemm_block_avx512<9>(a, 0); break;
        case 10: gemm_block_avx512<10>(a, 0); break;
        case 11: gemm_block_avx512<11>(a, 0); break;
        case 12: gemm_block_avx512<12>(a, 0); break;
        case 13: gemm_block_avx512<13>(a, 0); break;
        case 14: gemm_block_avx512<14>(a, 0); break;
        case 15: gemm_block_avx512<15>(a, 0); break;
        default: gemm_block_avx512<16>(a, 0); break;
    }
}
#endif

QUINTET_CODEC_INLINE void gemm(const GemmArgs& a) {
#ifdef QUINTET_CODEC_AVX512_KERNELS
    if (cpu_has_avx512()) return gemm_avx512(a);
    if (cpu_has_avx2()) return gemm_avx2(a);
#endif
    gemm_generic(a);
}

// The columns c in [0, n) of xt ([n][ldxt], rows values per column) with a value that is not 0.
QUINTET_CODEC_INLINE int active_columns(int rows, const float* xt, int ldxt, int n, int* cols) {
    int count = 0;
    for (int c = 0; c < n; ++c) {
        const float* x = xt + std::size_t(c) * ldxt;
        bool any = false;
        for (int r = 0; r < rows; ++r) any |= x[r] != 0;
        if (any) cols[count++] = c;
    }
    return count;
}

#ifdef QUINTET_CODEC_AVX512_KERNELS
// The same for ldxt = 16 (each column one 64-byte line): one masked compare per column.
QUINTET_CODEC_AVX512 inline int active_columns16_avx512(int rows, const float* xt, int n, int* cols) {
    const __mmask16 rows_mask = rows >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << rows) - 1);
    const __m512 zero = _mm512_setzero_ps();
    int count = 0;
    for (int c = 0; c < n; ++c)
        if (_mm512_mask_cmp_ps_mask(rows_mask, _mm512_loadu_ps(xt + std::size_t(c) * 16), zero, _CMP_NEQ_UQ)) cols[count++] = c;
    return count;
}

// affine_sparse with up to 128 outputs at a time held in registers while the used weight rows stream past
// (the plain loop loads and stores y for every input row): the same FMAs in the same order, the same values.
QUINTET_CODEC_AVX512 inline void affine_sparse_avx512(int in, int out, const float* __restrict x, const float* __restrict w,
                                                      const float* __restrict bias, float* __restrict y) {
    constexpr int kMaxIn = 1024;
    if (out % 16 != 0 || in > kMaxIn) return affine_sparse(in, out, x, w, bias, y);
    int used[kMaxIn];
    int count = 0;
    for (int c = 0; c < in; ++c)
        if (x[c] != 0) used[count++] = c;
    int j0 = 0;
    for (; j0 + 128 <= out; j0 += 128) {
        __m512 acc[8];
#pragma GCC unroll 8
        for (int k = 0; k < 8; ++k) acc[k] = _mm512_loadu_ps(bias + j0 + 16 * k);
        for (int i = 0; i < count; ++i) {
            const int c = used[i];
            const __m512 a = _mm512_set1_ps(x[c]);
            const float* row = w + std::size_t(c) * out + j0;
#pragma GCC unroll 8
            for (int k = 0; k < 8; ++k) acc[k] = _mm512_fmadd_ps(a, _mm512_loadu_ps(row + 16 * k), acc[k]);
        }
#pragma GCC unroll 8
        for (int k = 0; k < 8; ++k) _mm512_storeu_ps(y + j0 + 16 * k, acc[k]);
    }
    for (; j0 < out; j0 += 16) {
        __m512 acc = _mm512_loadu_ps(bias + j0);
        for (int i = 0; i < count; ++i) {
            const int c = used[i];
            acc = _mm512_fmadd_ps(_mm512_set1_ps(x[c]), _mm512_loadu_ps(w + std::size_t(c) * out + j0), acc);
        }
        _mm512_storeu_ps(y + j0, acc);
    }
}

// conv3 of one region for N blocks: h3[n] += sum over c of d[n][c] * w3[c][.], the 256 sums of each block kept
// in registers (half at a time) while the region's weights stream past once; the same FMAs in the same order
// as the plain loop, so the same values.
template <int N>
QUINTET_CODEC_AVX512 inline void conv3_region_avx512(const float* w3, const float (*d)[kC2], float* const* h3) {
    for (int half = 0; half < 2; ++half) {
        __m512 acc[N][8];
        for (int n = 0; n < N; ++n)
#pragma GCC unroll 8
            for (int k = 0; k < 8; ++k) acc[n][k] = _mm512_loadu_ps(h3[n] + half * 128 + 16 * k);
        for (int c = 0; c < kC2; ++c) {
            bool any = false;
            for (int n = 0; n < N; ++n) any |= d[n][c] != 0;
            if (!any) continue;
            const float* row = w3 + std::size_t(c) * kC3 + half * 128;
            __m512 w[8];
#pragma GCC unroll 8
            for (int k = 0; k < 8; ++k) w[k] = _mm512_loadu_ps(row + 16 * k);
            for (int n = 0; n < N; ++n) {
                if (d[n][c] == 0) continue;
                const __m512 b = _mm512_set1_ps(d[n][c]);
#pragma GCC unroll 8
                for (int k = 0; k < 8; ++k) acc[n][k] = _mm512_fmadd_ps(b, w[k], acc[n][k]);
            }
        }
        for (int n = 0; n < N; ++n)
#pragma GCC unroll 8
            for (int k = 0; k < 8; ++k) _mm512_storeu_ps(h3[n] + half * 128 + 16 * k, acc[n][k]);
    }
}
#endif

QUINTET_CODEC_INLINE bool region_has_notes(const float* block, int row0, int col0) {
    for (int r = row0; r < row0 + 16; ++r) {
        const float* p = block + r * kPitchCount + col0;
        for (int c = 0; c < 16; ++c)
            if (p[c] != 0) return true;
    }
    return false;
}

struct EncodeWeights {
    const float *w1, *b1, *c1, *w2, *pre2, *c2, *w3, *base3;
};
struct DecodeWeights {
    const float *wd1, *bd1, *wd2, *bd2, *wd3, *bd3;
};

// conv1 and conv2 of one block: the regions with notes (region_of[0..rows)) and their conv2 outputs h2[row].
template <bool Avx512>
QUINTET_CODEC_INLINE int encode_regions(const EncodeWeights& v, const float* block, int* region_of, float (*h2)[kC2]) {
    // GEMM rows: the regions (conv2 positions) that hold notes. Input columns (patch, channel), stored
    // transposed: conv1's output minus the output of a patch without notes, so 0 for patches without notes.
    // Empty regions and patches are already inside pre2 and base3.
    alignas(64) float d1t[kPatches * kC1][kRegions];
    alignas(64) float h1[kC1];
    int cols[kPatches * kC1];
    int rows = 0;
    for (int pos = 0; pos < kRegions; ++pos) {
        const int row0 = 16 * (pos / 8), col0 = 16 * (pos % 8);
        if (region_has_notes(block, row0, col0)) region_of[rows++] = pos;
    }
    if (rows == 0) return 0;
    for (int r = 0; r < rows; ++r) {
        const int pos = region_of[r], row0 = 16 * (pos / 8), col0 = 16 * (pos % 8);
        for (int patch = 0; patch < kPatches; ++patch) {
            const int pr = row0 + 4 * (patch / 4), pc = col0 + 4 * (patch % 4);
            std::memcpy(h1, v.b1, sizeof h1);
            bool any = false;
            for (int cell = 0; cell < 16; ++cell) {
                const float x = block[(pr + cell / 4) * kPitchCount + pc + cell % 4];
                if (x != 0) {
                    axpy(kC1, x, v.w1 + cell * kC1, h1);
                    any = true;
                }
            }
            for (int c = 0; c < kC1; ++c) d1t[patch * kC1 + c][r] = any ? (h1[c] > 0 ? h1[c] : 0) - v.c1[c] : 0.0f;
        }
    }
    int ncols;
#ifdef QUINTET_CODEC_AVX512_KERNELS
    if constexpr (Avx512)
        ncols = active_columns16_avx512(rows, &d1t[0][0], kPatches * kC1, cols);
    else
#endif
        ncols = active_columns(rows, &d1t[0][0], kRegions, kPatches * kC1, cols);
    gemm({rows, &d1t[0][0], kRegions, cols, ncols, v.w2, kPatches * kC1, kC2, v.pre2, true, &h2[0][0], kC2});
    return rows;
}

// N blocks through the same encoder (a shared encoder's two inputs): conv3's 2 MB of weights, which differ
// per region, are read once for all of them.
template <int N, bool Avx512>
QUINTET_CODEC_INLINE void encode_body(const EncodeWeights& v, const float* const* blocks, float* const* h3) {
    alignas(64) float h2[N][kRegions][kC2];
    int region_of[N][kRegions], row_of[N][kRegions];
    for (int n = 0; n < N; ++n) {
        const int rows = encode_regions<Avx512>(v, blocks[n], region_of[n], h2[n]);
        for (int pos = 0; pos < kRegions; ++pos) row_of[n][pos] = -1;
        for (int r = 0; r < rows; ++r) row_of[n][region_of[n][r]] = r;
        std::memcpy(h3[n], v.base3, sizeof(float) * kC3);
    }
    // conv3: one sparse GEMV per region with notes, on h2 minus an empty region's h2.
    for (int pos = 0; pos < kRegions; ++pos) {
        bool any = false;
        for (int n = 0; n < N; ++n) any |= row_of[n][pos] >= 0;
        if (!any) continue;
        const float* w3 = v.w3 + std::size_t(pos) * kC2 * kC3;
#ifdef QUINTET_CODEC_AVX512_KERNELS
        if constexpr (Avx512) {
            alignas(64) float d[N][kC2];
            for (int n = 0; n < N; ++n)
                for (int c = 0; c < kC2; ++c) d[n][c] = row_of[n][pos] < 0 ? 0.0f : h2[n][row_of[n][pos]][c] - v.c2[c];
            conv3_region_avx512<N>(w3, d, h3);
            continue;
        }
#endif
        for (int c = 0; c < kC2; ++c)
            for (int n = 0; n < N; ++n) {
                if (row_of[n][pos] < 0) continue;
                const float d = h2[n][row_of[n][pos]][c] - v.c2[c];
                if (d != 0) axpy(kC3, d, w3 + std::size_t(c) * kC3, h3[n]);
            }
    }
    for (int n = 0; n < N; ++n) relu(kC3, h3[n]);
}

template <bool Avx512>
QUINTET_CODEC_INLINE void decode_body(const DecodeWeights& v, const float* h0, float* block) {
    // h1t [128 channels][16 regions] and h2 [16 regions][64 channels][16 patches] are each the next GEMM's
    // transposed input, in the order the weights are stored in: no layout change between the layers.
    alignas(64) float h1t[kC2 * kRegions], h2[kRegions * kC1 * kPatches], out[kPatches * 16];
    int cols[kC2];
    // deconv1: the 1 x 1 map -> 128 channels x 2 x 8 regions (a GEMV: each needed weight row is read once).
#ifdef QUINTET_CODEC_AVX512_KERNELS
    if constexpr (Avx512)
        affine_sparse_avx512(kC3, kC2 * kRegions, h0, v.wd1, v.bd1, h1t);
    else
#endif
        affine_sparse(kC3, kC2 * kRegions, h0, v.wd1, v.bd1, h1t);
    relu(kC2 * kRegions, h1t);
    // deconv2: each region -> 64 channels x 4 x 4 patches; the 16 regions share the weight: one GEMM.
    int ncols;
#ifdef QUINTET_CODEC_AVX512_KERNELS
    if constexpr (Avx512)
        ncols = active_columns16_avx512(kRegions, h1t, kC2, cols);
    else
#endif
        ncols = active_columns(kRegions, h1t, kRegions, kC2, cols);
    gemm({kRegions, h1t, kRegions, cols, ncols, v.wd2, kC2, kC1 * kPatches, v.bd2, true, h2, kC1 * kPatches});
    // deconv3: each patch -> 4 x 4 cells; the 16 patches of a region in one GEMM.
    int all[kC1];
    for (int c = 0; c < kC1; ++c) all[c] = c;
    for (int region = 0; region < kRegions; ++region) {
        gemm({kPatches, h2 + region * kC1 * kPatches, kPatches, all, kC1, v.wd3, kC1, 16, v.bd3, false, out, 16});
        const int i1 = region / 8, j1 = region % 8;
        for (int patch = 0; patch < kPatches; ++patch) {
            const int r = 4 * i1 + patch / 4, q = 4 * j1 + patch % 4;  // patch position in the 8 x 32 map
            for (int a = 0; a < 4; ++a)
                std::memcpy(block + (4 * r + a) * kPitchCount + 4 * q, out + patch * 16 + 4 * a, 4 * sizeof(float));
        }
    }
}

void encode_generic(const EncodeWeights& v, const float* block, float* h3) { encode_body<1, false>(v, &block, &h3); }
void encode2_generic(const EncodeWeights& v, const float* const* blocks, float* const* h3) { encode_body<2, false>(v, blocks, h3); }
void decode_generic(const DecodeWeights& v, const float* h0, float* block) { decode_body<false>(v, h0, block); }
void affine_generic(int in, int out, const float* x, const float* w, const float* bias, float* y) {
    affine_sparse(in, out, x, w, bias, y);
}
#ifdef QUINTET_CODEC_AVX512_KERNELS
QUINTET_CODEC_AVX512 void encode_avx512(const EncodeWeights& v, const float* block, float* h3) { encode_body<1, true>(v, &block, &h3); }
QUINTET_CODEC_AVX512 void encode2_avx512(const EncodeWeights& v, const float* const* blocks, float* const* h3) {
    encode_body<2, true>(v, blocks, h3);
}
QUINTET_CODEC_AVX512 void decode_avx512(const DecodeWeights& v, const float* h0, float* block) { decode_body<true>(v, h0, block); }
QUINTET_CODEC_AVX512 void affine_avx512(int in, int out, const float* x, const float* w, const float* bias, float* y) {
    affine_sparse_avx512(in, out, x, w, bias, y);
}
// The baseline's loops compiled for AVX2 + FMA (CPUs without AVX-512).
QUINTET_CODEC_AVX2 void encode_avx2(const EncodeWeights& v, const float* block, float* h3) { encode_body<1, false>(v, &block, &h3); }
QUINTET_CODEC_AVX2 void encode2_avx2(const EncodeWeights& v, const float* const* blocks, float* const* h3) {
    encode_body<2, false>(v, blocks, h3);
}
QUINTET_CODEC_AVX2 void decode_avx2(const DecodeWeights& v, const float* h0, float* block) { decode_body<false>(v, h0, block); }
QUINTET_CODEC_AVX2 void affine_avx2(int in, int out, const float* x, const float* w, const float* bias, float* y) {
    affine_sparse(in, out, x, w, bias, y);
}
#endif

// --- packing -------------------------------------------------------------------------------------------

std::size_t rounded(std::size_t n) { return (n + 15) / 16 * 16; }

const float* ptr(const torch::Tensor& t) { return t.data_ptr<float>(); }
float* ptr(torch::Tensor& t) { return t.data_ptr<float>(); }

// A layer's per-output-channel scale and the bias after it (bias * scale + shift), as doubles.
struct Fold {
    std::vector<double> scale, bias;
};
Fold fold(const ConvLayer& l, int out) {
    Fold f{std::vector<double>(std::size_t(out), 1.0), std::vector<double>(std::size_t(out))};
    const float* b = ptr(l.bias);
    for (int o = 0; o < out; ++o) f.bias[std::size_t(o)] = b[o];
    if (l.scale.defined()) {
        const float* s = ptr(l.scale);
        const float* t = ptr(l.shift);
        for (int o = 0; o < out; ++o) {
            f.scale[std::size_t(o)] = s[o];
            f.bias[std::size_t(o)] = double(b[o]) * s[o] + t[o];
        }
    }
    return f;
}

torch::Tensor contiguous_float(const torch::Tensor& t) { return t.detach().to(torch::kCPU, torch::kFloat).contiguous(); }

// The pre-activation of a layer whose every position sees the same input x: bias + scale * sum over
// positions p and channels c of w[o][c][p] x[c] (w [out][in][positions]), accumulated in double and rounded
// once. Plain loops, as all the packing: torch's ops would start OpenMP regions, which cost ~0.4 s when two
// threads were asked for on a busy machine.
void empty_input_sum(const Fold& f, const float* w, int out, int in, int positions, const float* x, float* result) {
    for (int o = 0; o < out; ++o) {
        double acc = 0;
        for (int c = 0; c < in; ++c) {
            double sum = 0;
            for (int p = 0; p < positions; ++p) sum += w[(std::size_t(o) * in + c) * positions + p];
            acc += sum * x[c];
        }
        result[o] = float(f.bias[std::size_t(o)] + f.scale[std::size_t(o)] * acc);
    }
}

}  // namespace block_codec_detail

// (The using-directives stay inside the functions: nn builds as unity batches.)

WeightArena::WeightArena(std::size_t floats) {
    using namespace block_codec_detail;
    constexpr std::size_t kHuge = std::size_t(2) << 20;
    const std::size_t bytes = (floats * sizeof(float) + kHuge - 1) / kHuge * kHuge;
    void* p = std::aligned_alloc(kHuge, bytes);
    if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(p, bytes, MADV_HUGEPAGE);  // advice only: without it the arena is ordinary memory
#endif
    all_ = torch::from_blob(p, {std::int64_t(bytes / sizeof(float))}, [](void* q) { std::free(q); });
}

torch::Tensor WeightArena::take(std::vector<std::int64_t> shape) {
    using namespace block_codec_detail;
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    if (used_ + n > all_.numel()) throw std::logic_error("WeightArena: arena too small");
    auto t = all_.narrow(0, used_, n).view(shape);
    used_ += (n + 15) / 16 * 16;
    return t;
}

torch::Tensor WeightArena::copy(const torch::Tensor& t) {
    using namespace block_codec_detail;
    auto c = contiguous_float(t);
    auto out = take(c.sizes().vec());
    std::memcpy(out.data_ptr<float>(), c.data_ptr<float>(), sizeof(float) * std::size_t(c.numel()));
    return out;
}

std::size_t BlockEncoder::arena_floats() {
    using namespace block_codec_detail;
    return rounded(16 * kC1) + 2 * rounded(kC1) + rounded(std::size_t(kPatches) * kC1 * kC2) + 2 * rounded(kC2) +
           rounded(std::size_t(kRegions) * kC2 * kC3) + rounded(kC3);
}

BlockEncoder::BlockEncoder(WeightArena& arena, const ConvLayer& conv1, const ConvLayer& conv2, const ConvLayer& conv3) {
    using namespace block_codec_detail;
    // conv1 [64, 1, 4, 4] (o, cell) -> [cell][o]
    {
        const auto w = contiguous_float(conv1.weight);
        const auto f = fold(conv1, kC1);
        w1_ = arena.take({16, kC1});
        b1_ = arena.take({kC1});
        c1_ = arena.take({kC1});
        for (int o = 0; o < kC1; ++o) {
            for (int cell = 0; cell < 16; ++cell) ptr(w1_)[cell * kC1 + o] = float(ptr(w)[o * 16 + cell] * f.scale[std::size_t(o)]);
            ptr(b1_)[o] = float(f.bias[std::size_t(o)]);
            ptr(c1_)[o] = ptr(b1_)[o] > 0 ? ptr(b1_)[o] : 0;
        }
    }
    // conv2 [128, 64, 4, 4] (o, c, patch) -> panels over o of input columns (patch, c):
    // w2[o / 16][patch * 64 + c][o % 16]. pre2 = the output of a region without notes (every patch gives c1).
    {
        const auto w = contiguous_float(conv2.weight);
        const auto f = fold(conv2, kC2);
        w2_ = arena.take({kC2 / 16, kPatches * kC1, 16});
        const float* s = ptr(w);
        float* d = ptr(w2_);
        for (int o = 0; o < kC2; ++o)
            for (int c = 0; c < kC1; ++c)
                for (int patch = 0; patch < kPatches; ++patch)
                    d[((o / 16) * kPatches * kC1 + patch * kC1 + c) * 16 + o % 16] =
                        float(s[(o * kC1 + c) * kPatches + patch] * f.scale[std::size_t(o)]);
        pre2_ = arena.take({kC2});
        c2_ = arena.take({kC2});
        empty_input_sum(f, s, kC2, kC1, kPatches, ptr(c1_), ptr(pre2_));
        for (int o = 0; o < kC2; ++o) ptr(c2_)[o] = ptr(pre2_)[o] > 0 ? ptr(pre2_)[o] : 0;
    }
    // conv3 [256, 128, 2, 8] (o, c, region) -> [region][c][o], 16 values of o at a time so that every write
    // fills a cache line (a 2 MB scatter otherwise). base3 = the output of an empty block, before the ReLU.
    {
        const auto w = contiguous_float(conv3.weight);
        const auto f = fold(conv3, kC3);
        w3_ = arena.take({kRegions, kC2, kC3});
        const float* s = ptr(w);
        float* d = ptr(w3_);
        for (int o0 = 0; o0 < kC3; o0 += 16)
            for (int c = 0; c < kC2; ++c)
                for (int region = 0; region < kRegions; ++region) {
                    float* out = d + (region * kC2 + c) * kC3 + o0;
                    for (int t = 0; t < 16; ++t)
                        out[t] = float(s[((o0 + t) * kC2 + c) * kRegions + region] * f.scale[std::size_t(o0 + t)]);
                }
        base3_ = arena.take({kC3});
        empty_input_sum(f, s, kC3, kC2, kRegions, ptr(c2_), ptr(base3_));
    }
}

void BlockEncoder::features(const float* block, float* out) const {
    using namespace block_codec_detail;
    const EncodeWeights v{ptr(w1_), ptr(b1_), ptr(c1_), ptr(w2_), ptr(pre2_), ptr(c2_), ptr(w3_), ptr(base3_)};
#ifdef QUINTET_CODEC_AVX512_KERNELS
    if (cpu_has_avx512()) return encode_avx512(v, block, out);
    if (cpu_has_avx2()) return encode_avx2(v, block, out);
#endif
    encode_generic(v, block, out);
}

void BlockEncoder::features(const float* block_a, const float* block_b, float* out_a, float* out_b) const {
    using namespace block_codec_detail;
    const EncodeWeights v{ptr(w1_), ptr(b1_), ptr(c1_), ptr(w2_), ptr(pre2_), ptr(c2_), ptr(w3_), ptr(base3_)};
    const float* blocks[2] = {block_a, block_b};
    float* outs[2] = {out_a, out_b};
#ifdef QUINTET_CODEC_AVX512_KERNELS
    if (cpu_has_avx512()) return encode2_avx512(v, blocks, outs);
    if (cpu_has_avx2()) return encode2_avx2(v, blocks, outs);
#endif
    encode2_generic(v, blocks, outs);
}

std::size_t BlockDecoder::arena_floats() {
    using namespace block_codec_detail;
    return rounded(std::size_t(kC3) * kC2 * kRegions) + rounded(kC2 * kRegions) + rounded(std::size_t(kC2) * kC1 * kPatches) +
           rounded(kC1 * kPatches) + rounded(kC1 * 16) + rounded(16);
}

BlockDecoder::BlockDecoder(WeightArena& arena, const ConvLayer& deconv1, const ConvLayer& deconv2, const ConvLayer& deconv3) {
    using namespace block_codec_detail;
    // A transposed conv with stride = kernel: out(o, position) = sum_c in(c) W(c, o, position). Stored as
    // [in][out][positions], each is already a [in][(o, position)] matrix: deconv1 and deconv3 keep that layout
    // (times the folded scale of their column's channel); the bias is per column.
    {
        const auto w = contiguous_float(deconv1.weight);
        const auto f = fold(deconv1, kC2);
        wd1_ = arena.take({kC3, kC2 * kRegions});
        bd1_ = arena.take({kC2 * kRegions});
        const float* s = ptr(w);
        float* d = ptr(wd1_);
        for (int c = 0; c < kC3; ++c)
            for (int o = 0; o < kC2; ++o)
                for (int p = 0; p < kRegions; ++p) {
                    const std::size_t at = (std::size_t(c) * kC2 + o) * kRegions + p;
                    d[at] = float(s[at] * f.scale[std::size_t(o)]);
                }
        for (int o = 0; o < kC2; ++o)
            for (int p = 0; p < kRegions; ++p) ptr(bd1_)[o * kRegions + p] = float(f.bias[std::size_t(o)]);
    }
    // deconv2 [128, 64, 4, 4] (c, o, patch) -> panels of the 16 columns (o, patch) of one o: [o][c][patch].
    {
        const auto w = contiguous_float(deconv2.weight);
        const auto f = fold(deconv2, kC1);
        wd2_ = arena.take({kC1, kC2, kPatches});
        bd2_ = arena.take({kC1 * kPatches});
        const float* s = ptr(w);
        float* d = ptr(wd2_);
        for (int c = 0; c < kC2; ++c)
            for (int o = 0; o < kC1; ++o)
                for (int p = 0; p < kPatches; ++p)
                    d[(o * kC2 + c) * kPatches + p] = float(s[(c * kC1 + o) * kPatches + p] * f.scale[std::size_t(o)]);
        for (int o = 0; o < kC1; ++o)
            for (int p = 0; p < kPatches; ++p) ptr(bd2_)[o * kPatches + p] = float(f.bias[std::size_t(o)]);
    }
    {
        const auto f = fold(deconv3, 1);
        wd3_ = arena.copy(deconv3.weight.reshape({kC1, 16}));
        if (deconv3.scale.defined())
            for (int i = 0; i < kC1 * 16; ++i) ptr(wd3_)[i] = float(ptr(wd3_)[i] * f.scale[0]);
        bd3_ = arena.take({16});
        for (int i = 0; i < 16; ++i) ptr(bd3_)[i] = float(f.bias[0]);
    }
}

void BlockDecoder::decode(const float* h, float* block) const {
    using namespace block_codec_detail;
    const DecodeWeights v{ptr(wd1_), ptr(bd1_), ptr(wd2_), ptr(bd2_), ptr(wd3_), ptr(bd3_)};
#ifdef QUINTET_CODEC_AVX512_KERNELS
    if (cpu_has_avx512()) return decode_avx512(v, h, block);
    if (cpu_has_avx2()) return decode_avx2(v, h, block);
#endif
    decode_generic(v, h, block);
}

void affine_skip_zeros(int in, int out, const float* x, const float* w, const float* bias, float* y) {
    using namespace block_codec_detail;
#ifdef QUINTET_CODEC_AVX512_KERNELS
    if (cpu_has_avx512()) return affine_avx512(in, out, x, w, bias, y);
    if (cpu_has_avx2()) return affine_avx2(in, out, x, w, bias, y);
#endif
    affine_generic(in, out, x, w, bias, y);
}

void relu_in_place(int n, float* x) { block_codec_detail::relu(n, x); }

}  // namespace quintet
