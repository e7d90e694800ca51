#include "systems/vae_nn/inference.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <new>
#include <sstream>
#include <stdexcept>

#include "util/error.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

// The kernels are plain loops that GCC vectorises, plus one register-blocked GEMM. The build's baseline is
// plain x86-64 (SSE2), so on x86-64 with GCC the layer code is also compiled for AVX-512 + FMA (the GEMM
// with intrinsics) and picked at run time when the CPU has them. Helpers are always inlined so that they
// take the target of the function they are inlined into.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define QUINTET_AVX512_KERNELS 1
#include <immintrin.h>
#define QUINTET_AVX512 __attribute__((target("avx512f,avx512vl,avx2,fma,prefer-vector-width=512")))
#endif
#if defined(__GNUC__)
#define QUINTET_INLINE inline __attribute__((always_inline))
#else
#define QUINTET_INLINE inline
#endif

namespace quintet {

namespace {

constexpr int kPitchCount = 128;
constexpr int kCells = kWindowSteps * kPitchCount;  // 4096 cells of a block
constexpr int kMlpWidth = 512;  // widest latent-net layer the stack buffers hold (the default is 128)
constexpr int kC1 = 64, kC2 = 128, kC3 = 256;  // channels after enc1, enc2, enc3 (and dec2, dec1, dec_in)
constexpr int kRegions = 16;                   // enc2 positions = dec1 positions: 2 x 8 regions of 16 x 16 cells
constexpr int kPatches = 16;                   // 4 x 4 patches of 4 x 4 cells per region

#ifdef QUINTET_AVX512_KERNELS
bool cpu_has_avx512() {
    static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                            __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return has;
}
#endif

// y[0..n) += a * x[0..n)
QUINTET_INLINE void axpy(int n, float a, const float* __restrict x, float* __restrict y) {
    for (int i = 0; i < n; ++i) y[i] += a * x[i];
}

QUINTET_INLINE void relu(int n, float* x) {
    for (int i = 0; i < n; ++i) x[i] = x[i] > 0 ? x[i] : 0;
}

// y = bias + x W for a [in][out] weight, skipping the inputs that are exactly 0 (after a ReLU about half
// are), so their weight rows are never read.
QUINTET_INLINE void affine_sparse(int in, int out, const float* __restrict x, const float* __restrict w,
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

void gemm_generic(const GemmArgs& a) {
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

#ifdef QUINTET_AVX512_KERNELS
// R rows x 16 columns of accumulators stay in registers while a panel streams past once.
template <int R>
QUINTET_AVX512 void gemm_block_avx512(const GemmArgs& a, int row0) {
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

QUINTET_AVX512 void gemm_avx512(const GemmArgs& a) {
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

QUINTET_INLINE void gemm(const GemmArgs& a) {
#ifdef QUINTET_AVX512_KERNELS
    if (cpu_has_avx512()) return gemm_avx512(a);
#endif
    gemm_generic(a);
}

// The columns c in [0, n) of xt ([n][ldxt], rows values per column) with a value that is not 0.
QUINTET_INLINE int active_columns(int rows, const float* xt, int ldxt, int n, int* cols) {
    int count = 0;
    for (int c = 0; c < n; ++c) {
        const float* x = xt + std::size_t(c) * ldxt;
        bool any = false;
        for (int r = 0; r < rows; ++r) any |= x[r] != 0;
        if (any) cols[count++] = c;
    }
    return count;
}

QUINTET_INLINE bool region_has_notes(const float* block, int row0, int col0) {
    for (int r = row0; r < row0 + 16; ++r) {
        const float* p = block + r * kPitchCount + col0;
        for (int c = 0; c < 16; ++c)
            if (p[c] != 0) return true;
    }
    return false;
}

struct EncodeWeights {
    const float *w1, *b1, *c1, *w2, *pre2, *c2, *w3, *base3, *wout, *bout;
    int k;
};
struct DecodeWeights {
    const float *wdin, *bdin, *wd1, *bd1, *wd2, *bd2, *wd3, *bd3;
    int k;
};

QUINTET_INLINE void encode_body(const EncodeWeights& v, const float* block, float* mean) {
    // GEMM rows: the regions (enc2 positions) that hold notes. Input columns (patch, channel), stored
    // transposed: enc1's output minus the output of a patch without notes, so 0 for patches without notes.
    // Empty regions and patches are already inside pre2 and base3.
    alignas(64) float d1t[kPatches * kC1][kRegions];
    alignas(64) float h2[kRegions][kC2];
    alignas(64) float h1[kC1];
    alignas(64) float h3[kC3];
    int cols[kPatches * kC1];
    int region_of[kRegions];
    int rows = 0;
    for (int pos = 0; pos < kRegions; ++pos) {
        const int row0 = 16 * (pos / 8), col0 = 16 * (pos % 8);
        if (region_has_notes(block, row0, col0)) region_of[rows++] = pos;
    }
    std::memcpy(h3, v.base3, sizeof h3);
    if (rows > 0) {
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
        const int ncols = active_columns(rows, &d1t[0][0], kRegions, kPatches * kC1, cols);
        gemm({rows, &d1t[0][0], kRegions, cols, ncols, v.w2, kPatches * kC1, kC2, v.pre2, true, &h2[0][0], kC2});
        // enc3's weights differ per region: one sparse GEMV per region, on h2 minus an empty region's h2.
        for (int r = 0; r < rows; ++r) {
            const float* w3 = v.w3 + std::size_t(region_of[r]) * kC2 * kC3;
            for (int c = 0; c < kC2; ++c) {
                const float d = h2[r][c] - v.c2[c];
                if (d != 0) axpy(kC3, d, w3 + std::size_t(c) * kC3, h3);
            }
        }
    }
    relu(kC3, h3);
    affine_sparse(kC3, v.k, h3, v.wout, v.bout, mean);
}

QUINTET_INLINE void decode_body(const DecodeWeights& v, const float* z, float* block) {
    // h1t [128 channels][16 regions] and h2 [16 regions][64 channels][16 patches] are each the next GEMM's
    // transposed input, in the order the weights are stored in: no layout change between the layers.
    alignas(64) float h0[kC3], h1t[kC2 * kRegions], h2[kRegions * kC1 * kPatches], out[kPatches * 16];
    int cols[kC2];
    std::memcpy(h0, v.bdin, sizeof h0);
    for (int i = 0; i < v.k; ++i) axpy(kC3, z[i], v.wdin + std::size_t(i) * kC3, h0);
    relu(kC3, h0);
    // dec1: the 1 x 1 map -> 128 channels x 2 x 8 regions (a GEMV: each needed weight row is read once).
    affine_sparse(kC3, kC2 * kRegions, h0, v.wd1, v.bd1, h1t);
    relu(kC2 * kRegions, h1t);
    // dec2: each region -> 64 channels x 4 x 4 patches; the 16 regions share the weight: one GEMM.
    const int ncols = active_columns(kRegions, h1t, kRegions, kC2, cols);
    gemm({kRegions, h1t, kRegions, cols, ncols, v.wd2, kC2, kC1 * kPatches, v.bd2, true, h2, kC1 * kPatches});
    // dec3: each patch -> 4 x 4 cells; the 16 patches of a region in one GEMM.
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

void encode_generic(const EncodeWeights& v, const float* block, float* mean) { encode_body(v, block, mean); }
void decode_generic(const DecodeWeights& v, const float* z, float* block) { decode_body(v, z, block); }
#ifdef QUINTET_AVX512_KERNELS
QUINTET_AVX512 void encode_avx512(const EncodeWeights& v, const float* block, float* mean) { encode_body(v, block, mean); }
QUINTET_AVX512 void decode_avx512(const DecodeWeights& v, const float* z, float* block) { decode_body(v, z, block); }
#endif

void encode_kernel(const EncodeWeights& v, const float* block, float* mean) {
#ifdef QUINTET_AVX512_KERNELS
    if (cpu_has_avx512()) return encode_avx512(v, block, mean);
#endif
    encode_generic(v, block, mean);
}

void decode_kernel(const DecodeWeights& v, const float* z, float* block) {
#ifdef QUINTET_AVX512_KERNELS
    if (cpu_has_avx512()) return decode_avx512(v, z, block);
#endif
    decode_generic(v, z, block);
}

// --- packing -------------------------------------------------------------------------------------------

std::string shape_text(at::IntArrayRef s) {
    std::ostringstream out;
    out << '[';
    for (std::size_t i = 0; i < s.size(); ++i) out << (i ? ", " : "") << s[i];
    return out.str() + ']';
}

class Packer {
public:
    Packer(const ParameterSource& source, std::string origin) : source_(source), origin_(std::move(origin)) {}

    // The parameter `name` as a contiguous CPU float tensor of exactly `shape` (no copy when it is one).
    torch::Tensor get(const std::string& name, std::vector<std::int64_t> shape) const {
        auto t = source_(name);
        if (!t.defined()) throw FormatError(origin_, "no parameter " + name);
        if (t.sizes() != at::IntArrayRef(shape))
            throw FormatError(origin_, name + " has shape " + shape_text(t.sizes()) + ", expected " + shape_text(shape));
        return t.detach().to(torch::kCPU, torch::kFloat).contiguous();
    }
    torch::Tensor find(const std::string& name) const { return source_(name); }

private:
    const ParameterSource& source_;
    std::string origin_;
};

// One block of memory for all the packed weights of the five VAEs, on transparent huge pages where the
// kernel offers them: a step reads ~15 MB of weights spread over ~3,800 pages of 4 KB, more than the
// TLB holds, so with small pages nearly every row of dec1 and enc3 costs a page walk.
class Arena {
public:
    explicit Arena(std::size_t floats) {
        constexpr std::size_t kHuge = std::size_t(2) << 20;
        std::size_t bytes = (floats * sizeof(float) + kHuge - 1) / kHuge * kHuge;
        void* p = std::aligned_alloc(kHuge, bytes);
        if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        madvise(p, bytes, MADV_HUGEPAGE);  // advice only: without it the arena is ordinary memory
#endif
        all_ = torch::from_blob(p, {std::int64_t(bytes / sizeof(float))}, [](void* q) { std::free(q); });
    }
    // An uninitialised [shape] float tensor inside the arena, 64-byte aligned.
    torch::Tensor take(std::vector<std::int64_t> shape) {
        std::int64_t n = 1;
        for (auto d : shape) n *= d;
        if (used_ + n > all_.numel()) throw std::logic_error("VaeNnInference: arena too small");
        auto t = all_.narrow(0, used_, n).view(shape);
        used_ += (n + 15) / 16 * 16;
        return t;
    }
    torch::Tensor copy(const torch::Tensor& t) {  // t: CPU float
        auto c = t.contiguous();
        auto out = take(c.sizes().vec());
        std::memcpy(out.data_ptr<float>(), c.data_ptr<float>(), sizeof(float) * std::size_t(c.numel()));
        return out;
    }

private:
    torch::Tensor all_;
    std::int64_t used_ = 0;
};

// Floats one VAE's packed weights take in the arena (each array rounded up to 16 floats).
std::size_t packed_vae_floats(int k) {
    auto r = [](std::size_t n) { return (n + 15) / 16 * 16; };
    return r(16 * 64) + 2 * r(64) + r(std::size_t(16) * 64 * 128) + 2 * r(128) + r(std::size_t(16) * 128 * 256) + r(256) +
           r(256 * std::size_t(k)) + r(std::size_t(k)) + r(std::size_t(k) * 256) + r(256) + r(std::size_t(256) * 2048) +
           r(2048) + r(std::size_t(128) * 64 * 16) + r(1024) + r(64 * 16) + r(16);
}

const float* ptr(const torch::Tensor& t) { return t.data_ptr<float>(); }
float* ptr(torch::Tensor& t) { return t.data_ptr<float>(); }

// out[o][i] = in[i][o] for in [rows][cols] (a plain transpose, written once), in the arena if given.
torch::Tensor transposed(const torch::Tensor& in, Arena* arena = nullptr) {
    const auto rows = in.size(0), cols = in.size(1);
    auto out = arena ? arena->take({cols, rows}) : torch::empty({cols, rows});
    const float* s = ptr(in);
    float* d = ptr(out);
    for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t o = 0; o < cols; ++o) d[o * rows + i] = s[i * cols + o];
    return out;
}

torch::Tensor relu_of(const torch::Tensor& t) { return torch::relu(t); }

// The pre-activation of a layer whose every position sees the same input x: bias + sum over positions p
// and channels c of w[o][c][p] x[c] (w [out][in][positions]), accumulated in double and rounded once.
// Plain loops, as all the packing: torch's ops would start OpenMP regions, which cost ~0.4 s here when
// two threads were asked for on a busy machine.
torch::Tensor empty_input_sum(const torch::Tensor& bias, const torch::Tensor& w, const torch::Tensor& x) {
    const auto out = w.size(0), in = w.size(1), positions = w.size(2);
    const float* pw = ptr(w);
    const float* px = ptr(x);
    const float* pb = ptr(bias);
    auto result = torch::empty({out});
    float* r = ptr(result);
    for (std::int64_t o = 0; o < out; ++o) {
        double acc = pb[o];
        for (std::int64_t c = 0; c < in; ++c) {
            double sum = 0;
            for (std::int64_t p = 0; p < positions; ++p) sum += pw[(o * in + c) * positions + p];
            acc += sum * px[c];
        }
        r[o] = float(acc);
    }
    return result;
}
// Each value of `bias` repeated `times` times in a row: the bias of columns (channel, position).
torch::Tensor repeat_each(const torch::Tensor& bias, int times) { return bias.repeat_interleave(times).contiguous(); }

}  // namespace

VaeNnInference::VaeNnInference(VaeNnModelImpl& model)
    : VaeNnInference(model.latent(), model.likelihood(), model.residual_nets(),
                     [params = model.named_parameters()](const std::string& name) {
                         const auto* p = params.find(name);
                         // Copies: the packed weights must not follow later changes of the module.
                         return p ? p->detach().to(torch::kCPU, torch::kFloat).clone() : torch::Tensor();
                     },
                     "VaeNnModel") {}

VaeNnInference::VaeNnInference(int latent, Likelihood likelihood, bool residual_nets, const ParameterSource& source,
                               const std::string& origin)
    : latent_(latent), bernoulli_(likelihood == Likelihood::Bernoulli), residual_nets_(residual_nets) {
    torch::NoGradGuard no_grad;
    if (latent <= 0 || latent > kMlpWidth / 2) throw UsageError("VaeNnInference: latent size " + std::to_string(latent) + " not supported");
    const int K = latent_;
    Packer pk(source, origin);
    Arena arena(kVaeInstruments * packed_vae_floats(K));
    for (int i = 0; i < kVaeInstruments; ++i) {
        const std::string pre = std::string("vae_") + kVaeInstrumentName[i] + ".";
        Vae v;
        // enc1 [64, 1, 4, 4] (o, cell) -> [cell][o]
        v.w1 = transposed(pk.get(pre + "enc1.weight", {kC1, 1, 4, 4}).view({kC1, 16}), &arena);
        v.b1 = arena.copy(pk.get(pre + "enc1.bias", {kC1}));
        v.c1 = arena.copy(relu_of(v.b1));
        // enc2 [128, 64, 4, 4] (o, c, patch) -> panels over o of input columns (patch, c):
        // w2[o / 16][patch * 64 + c][o % 16]. pre2 = b2 + sum over patches and c of W[o][c][patch] c1[c].
        {
            auto w = pk.get(pre + "enc2.weight", {kC2, kC1, 4, 4});
            v.w2 = arena.take({kC2 / 16, kPatches * kC1, 16});
            const float* s = ptr(w);
            float* d = ptr(v.w2);
            for (int o = 0; o < kC2; ++o)
                for (int c = 0; c < kC1; ++c)
                    for (int patch = 0; patch < kPatches; ++patch)
                        d[((o / 16) * kPatches * kC1 + patch * kC1 + c) * 16 + o % 16] = s[(o * kC1 + c) * kPatches + patch];
            v.pre2 = arena.copy(empty_input_sum(pk.get(pre + "enc2.bias", {kC2}), w.view({kC2, kC1, kPatches}), v.c1));
            v.c2 = arena.copy(relu_of(v.pre2));
        }
        // enc3 [256, 128, 2, 8] (o, c, region) -> [region][c][o], 16 values of o at a time so that every write
        // fills a cache line (a 2 MB scatter otherwise). base3 = b3 + sum over regions and c of W[o][c][region] c2[c].
        {
            auto w = pk.get(pre + "enc3.weight", {kC3, kC2, 2, 8});
            v.w3 = arena.take({kRegions, kC2, kC3});
            const float* s = ptr(w);
            float* d = ptr(v.w3);
            for (int o0 = 0; o0 < kC3; o0 += 16)
                for (int c = 0; c < kC2; ++c)
                    for (int region = 0; region < kRegions; ++region) {
                        float* out = d + (region * kC2 + c) * kC3 + o0;
                        for (int t = 0; t < 16; ++t) out[t] = s[((o0 + t) * kC2 + c) * kRegions + region];
                    }
            v.base3 = arena.copy(empty_input_sum(pk.get(pre + "enc3.bias", {kC3}), w.view({kC3, kC2, kRegions}), v.c2));
        }
        // enc_out [K + 1, 256]: the means' rows (the log-sigma is not needed) -> [256][K]
        v.wout = transposed(pk.get(pre + "enc_out.weight", {K + 1, kC3}).narrow(0, 0, K).contiguous(), &arena);
        v.bout = arena.copy(pk.get(pre + "enc_out.bias", {K + 1}).narrow(0, 0, K));
        v.wdin = transposed(pk.get(pre + "dec_in.weight", {kC3, K}), &arena);
        v.bdin = arena.copy(pk.get(pre + "dec_in.bias", {kC3}));
        // A transposed conv with stride = kernel: out(o, position) = sum_c in(c) W(c, o, position). Stored as
        // [in][out][positions], each is already a [in][(o, position)] matrix: dec1 and dec3 are used as stored.
        v.wd1 = arena.copy(pk.get(pre + "dec1.weight", {kC3, kC2, 2, 8}).view({kC3, kC2 * kRegions}));
        v.bd1 = arena.copy(repeat_each(pk.get(pre + "dec1.bias", {kC2}), kRegions));
        // dec2 [128, 64, 4, 4] (c, o, patch) -> panels of the 16 columns (o, patch) of one o: [o][c][patch].
        {
            auto w = pk.get(pre + "dec2.weight", {kC2, kC1, 4, 4});
            v.wd2 = arena.take({kC1, kC2, kPatches});
            const float* s = ptr(w);
            float* d = ptr(v.wd2);
            for (int c = 0; c < kC2; ++c)
                for (int o = 0; o < kC1; ++o) std::memcpy(d + (o * kC2 + c) * kPatches, s + (c * kC1 + o) * kPatches, kPatches * sizeof(float));
        }
        v.bd2 = arena.copy(repeat_each(pk.get(pre + "dec2.bias", {kC1}), kPatches));
        v.wd3 = arena.copy(pk.get(pre + "dec3.weight", {kC1, 1, 4, 4}).view({kC1, 16}));
        v.bd3 = arena.copy(repeat_each(pk.get(pre + "dec3.bias", {1}), 16));
        vaes_.push_back(std::move(v));
    }
    // The latent nets: Linear layers "net.<index>" with ReLU between them (dropout is the identity in eval).
    auto pack_mlp = [&](const std::string& name, int in) {
        Mlp mlp;
        const std::string pre = "net_" + name + ".net.";
        for (int index = 0; index < 16; ++index) {
            auto w = pk.find(pre + std::to_string(index) + ".weight");
            if (!w.defined()) continue;
            if (w.dim() != 2 || w.size(1) != in || w.size(0) > kMlpWidth)
                throw FormatError(origin, pre + std::to_string(index) + ".weight has shape " + shape_text(w.sizes()));
            const int out = int(w.size(0));
            mlp.w.push_back(transposed(pk.get(pre + std::to_string(index) + ".weight", {out, in})));
            mlp.b.push_back(pk.get(pre + std::to_string(index) + ".bias", {out}).clone());
            mlp.in.push_back(in);
            mlp.out.push_back(out);
            in = out;
        }
        if (mlp.w.empty() || in != K) throw FormatError(origin, "net_" + name + " does not map to the latent size " + std::to_string(K));
        return mlp;
    };
    melody_ = pack_mlp(kVaeInstrumentName[0], K);
    for (int i = 1; i < kVaeInstruments; ++i) conditional_.push_back(pack_mlp(kVaeInstrumentName[i], 2 * K));
}

void VaeNnInference::run_mlp(const Mlp& mlp, const float* x, float* y) const {
    float a[kMlpWidth], b[kMlpWidth];
    const float* in = x;
    for (std::size_t l = 0; l < mlp.w.size(); ++l) {
        const bool last = l + 1 == mlp.w.size();
        float* out = last ? y : (l % 2 == 0 ? a : b);
        affine_sparse(mlp.in[l], mlp.out[l], in, ptr(mlp.w[l]), ptr(mlp.b[l]), out);
        if (!last) relu(mlp.out[l], out);
        in = out;
    }
}

void VaeNnInference::encode_mean(int i, const float* block, float* mean) const {
    const Vae& v = vaes_.at(std::size_t(i));
    EncodeWeights w{ptr(v.w1), ptr(v.b1),    ptr(v.c1),   ptr(v.w2),   ptr(v.pre2),
                    ptr(v.c2), ptr(v.w3),    ptr(v.base3), ptr(v.wout), ptr(v.bout), latent_};
    encode_kernel(w, block, mean);
}

void VaeNnInference::reconstruct(int i, const float* z, float* block) const {
    const Vae& v = vaes_.at(std::size_t(i));
    DecodeWeights w{ptr(v.wdin), ptr(v.bdin), ptr(v.wd1), ptr(v.bd1), ptr(v.wd2),
                    ptr(v.bd2),  ptr(v.wd3),  ptr(v.bd3), latent_};
    decode_kernel(w, z, block);
    if (bernoulli_)
        for (int c = 0; c < kCells; ++c) block[c] = 1.0f / (1.0f + std::exp(-block[c]));
}

void VaeNnInference::predict_next(const float* latents, const float* noise, float* next) const {
    const int K = latent_;
    run_mlp(melody_, latents, next);
    if (residual_nets_)
        for (int k = 0; k < K; ++k) next[k] += latents[k];
    if (noise)
        for (int k = 0; k < K; ++k) next[k] += noise[k];
    float joint[kMlpWidth];
    for (int i = 1; i < kVaeInstruments; ++i) {
        // [own latent w_t, the new piano latent], as LatentConditionalNet concatenates them.
        std::memcpy(joint, latents + i * K, sizeof(float) * std::size_t(K));
        std::memcpy(joint + K, next, sizeof(float) * std::size_t(K));
        run_mlp(conditional_[std::size_t(i - 1)], joint, next + i * K);
        if (residual_nets_)
            for (int k = 0; k < K; ++k) next[i * K + k] += latents[i * K + k];
        if (noise)
            for (int k = 0; k < K; ++k) next[i * K + k] += noise[i * K + k];
    }
}

torch::Tensor VaeNnInference::encode_means(const torch::Tensor& blocks) const {
    auto x = blocks.to(torch::kCPU, torch::kFloat).contiguous().reshape({kVaeInstruments, kCells});
    auto out = torch::empty({1, kVaeInstruments, latent_});
    for (int i = 0; i < kVaeInstruments; ++i) encode_mean(i, x[i].data_ptr<float>(), out.data_ptr<float>() + i * latent_);
    return out;
}

torch::Tensor VaeNnInference::predict_next(const torch::Tensor& latents, const torch::Tensor& noise) const {
    auto z = latents.to(torch::kCPU, torch::kFloat).contiguous();
    torch::Tensor n;
    if (noise.defined()) n = noise.to(torch::kCPU, torch::kFloat).contiguous();
    auto out = torch::empty({1, kVaeInstruments, latent_});
    predict_next(z.data_ptr<float>(), n.defined() ? n.data_ptr<float>() : nullptr, out.data_ptr<float>());
    return out;
}

torch::Tensor VaeNnInference::reconstruct(const torch::Tensor& latents) const {
    auto z = latents.to(torch::kCPU, torch::kFloat).contiguous().reshape({kVaeInstruments, latent_});
    auto out = torch::empty({kVaeInstruments, kWindowSteps, kPitchCount});
    for (int i = 0; i < kVaeInstruments; ++i)
        reconstruct(i, z[i].data_ptr<float>(), out.data_ptr<float>() + std::size_t(i) * kCells);
    return out;
}

}  // namespace quintet
