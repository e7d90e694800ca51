#pragma once
// Generation's one-token step (batch 1) on the CPU, on weights packed once, with hand-written kernels: the same
// arithmetic as TransformerXlImpl::step's single-token branch (the module path, kept for other devices and as
// the reference), in float, with nothing allocated per token. Per layer:
//   qkv = W_qkv x; this token's key and value go into the cache (the module's XlCache, so a primer can go
//   through the module's batched step first);
//   the position term (q + v)·W_r R(d) = (W_r^T (q + v))·R(d): one [D] vector per head against ONE raw
//   sinusoid table shared by every layer (in place of each layer's projected table);
//   scores = content + position, softmax and the weighted sum of the values, head by head;
//   out projection + residual + LayerNorm, then the GeLU feed-forward + residual + LayerNorm.
// The matrices are re-laid out in panels of up to 128 output columns read sequentially. The kernels are plain
// loops; on x86-64 with GCC they are compiled a second time for AVX-512 + FMA (the hot ones with intrinsics)
// and picked at run time when the CPU has them.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "nn/block_codec.hpp"
#include "systems/transformer/model.hpp"

namespace quintet {

class XlFastStep {
public:
    // Whether `model` can run here: its weights are CPU float32.
    static bool supports(const TransformerXlImpl& model);
    // Packs a copy of the model's weights (later changes to the model are not seen).
    explicit XlFastStep(const TransformerXlImpl& model);
    // One token (at `position`, the 16th step as token_positions gives it) after the cached positions; appends
    // its keys/values to `cache` (made by TransformerXlImpl::step or by this, batch 1) and keeps the last mem_len.
    // Returns the logits [vocab], a view of an internal buffer overwritten by the next call.
    torch::Tensor step(std::int64_t token, std::int64_t position, XlCache& cache);
    // Tests: run the plain-loop kernels even where the AVX-512 ones would be picked.
    void force_generic_kernels(bool on) { generic_ = on; }
    bool uses_avx512() const;

    // Packed weights of one layer (pointers into the arena).
    struct Layer {
        const float *qkv, *r_heads, *out, *ff1, *ff1_bias, *ff2, *ff2_bias;
        const float *norm_w, *norm_b, *ff_norm_w, *ff_norm_b;
        float norm_eps, ff_norm_eps;
    };
    struct Sizes {
        int vocab, layers, d_model, heads, d_head, d_inner, mem_len, hd, table_rows;
    };

private:
    TransformerXlConfig config_;
    Sizes n_{};
    WeightArena arena_;
    std::vector<Layer> layers_;
    const float *embed_, *beat_, *bar_, *out_w_, *out_bias_, *uv_, *table_;
    std::vector<float> scratch_;  // every per-token buffer, allocated once
    std::vector<float*> kv_;      // each layer's cache buffer, filled per step
    torch::Tensor logits_;        // [vocab], viewing part of scratch_
    bool generic_ = false;
};

}  // namespace quintet
