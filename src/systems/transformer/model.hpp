#pragma once
// Transformer-XL (Dai et al. 2019, as fastai/MusicAutobot build it): relative positional attention with the
// u/v biases shared by all layers, post-norm layers, segment memory of each layer's input (no gradient
// through it), a causal mask over memory + segment, and the output layer tied to the embedding.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace quintet {

struct TransformerXlConfig {
    int vocab = 312;
    int layers = 4;
    int d_model = 256;
    int heads = 4;
    int d_head = 64;
    int d_inner = 1024;
    int mem_len = 256;
    double dropout = 0.1;  // residual, attention, feed-forward and embedding dropout (fastai's 0.1 each)
    // MusicAutobot's BeatPositionEncoder: Embedding(beat_len)[pos % beat_len] + Embedding(max_bars)[pos / beat_len]
    // (the bar index clamped to max_bars - 1), added to the token embedding; pos = the token's 16th-note step.
    static constexpr int beat_len = 32, max_bars = 1024;

    // MusicAutobot's default_config(): 16 layers, d_model 512, 8 heads x 64, d_inner 2048, mem_len 512.
    static TransformerXlConfig musicautobot(int vocab);
};

// Keys and values of one layer's past positions, [batch, heads, positions, d_head].
struct KeyValues {
    torch::Tensor k, v;
    bool empty() const { return !k.defined() || k.size(2) == 0; }
};

// Multi-head attention with Transformer-XL's relative positions: score(i, j) = (q_i + u)·k_j + (q_i + v)·W_r R(i - j)
// where R is the sinusoid of the distance, then the causal mask, softmax, the output projection, residual and norm.
struct RelativeAttentionImpl : torch::nn::Module {
    RelativeAttentionImpl(int d_model, int heads, int d_head, double dropout);
    // x [B, T, D]; past keys/values of the M earlier positions (may be empty). u, v: [H, d_head].
    // Returns [B, T, D]; *present (if given) receives the keys/values of x.
    torch::Tensor forward(const torch::Tensor& x, const KeyValues& past, const torch::Tensor& u, const torch::Tensor& v,
                          KeyValues* present = nullptr);
    KeyValues project_kv(const torch::Tensor& h);  // keys and values of hidden states h [B, M, D]
    // Generation's single step (batch 1, one token, eval, no gradient): x [D]; kv [2, 1, H, capacity, dh] holds the
    // past keys/values at positions [start, at); this token's go to position at. uv: [2, H, dh] (u and v).
    // Returns the layer's attention output [D]. The same arithmetic as forward() with matrix-vector products.
    torch::Tensor step_one(const torch::Tensor& x, torch::Tensor& kv, std::int64_t start, std::int64_t at, const torch::Tensor& uv);
    // W_r R(d) for d = 0 .. n-1, [n, H * d_head]. Without gradients the projection is kept (and grown) while the
    // weight is unchanged: generation would otherwise project every distance again for every token.
    torch::Tensor distance_keys(std::int64_t n, std::int64_t d_model, const torch::TensorOptions& options);

    // The same, distances n - 1 down to 0 (row c = distance n - 1 - c): what forward()'s relative shift reads.
    torch::Tensor reversed_distance_keys(std::int64_t n, std::int64_t d_model, const torch::TensorOptions& options);

    int heads, d_head;
    bool shift_by_gather = false;  // tests: the former gather of the position term, the reference for forward()'s view
    torch::nn::Linear qkv{nullptr}, out{nullptr}, r_proj{nullptr};
    torch::nn::LayerNorm norm{nullptr};
    torch::nn::Dropout drop_attn{nullptr}, drop_res{nullptr};  // hold p; applied by hash_dropout (nn/hash_dropout.hpp)

private:
    // The kept projection: forward order [rows, H * dh], and reversed per head [H, rows, dh] (row i is distance
    // rows - 1 - i, so the distances of K keys, oldest first, are the last K rows: a slice, no gather).
    void refresh_distance_table(std::int64_t n, std::int64_t d_model, const torch::TensorOptions& options);
    torch::Tensor distance_table_, reversed_table_;
    std::int64_t table_version_ = -1;
    const void* table_weight_ = nullptr;
};
TORCH_MODULE(RelativeAttention);

struct XlLayerImpl : torch::nn::Module {
    XlLayerImpl(const TransformerXlConfig& c);
    torch::Tensor forward(const torch::Tensor& x, const KeyValues& past, const torch::Tensor& u, const torch::Tensor& v,
                          KeyValues* present = nullptr);
    torch::Tensor step_one(const torch::Tensor& x, torch::Tensor& kv, std::int64_t start, std::int64_t at, const torch::Tensor& uv);
    RelativeAttention attn{nullptr};
    torch::nn::Linear ff1{nullptr}, ff2{nullptr};
    torch::nn::LayerNorm ff_norm{nullptr};
    torch::nn::Dropout drop_ff{nullptr};
};
TORCH_MODULE(XlLayer);

// Segment memory: the input of each layer at the last mem_len positions, [B, M, D] each (detached).
struct XlMemory {
    std::vector<torch::Tensor> hidden;
    bool empty() const { return hidden.empty(); }
};

// Per-layer key/value cache for generation one token at a time (at most mem_len past positions). Each layer's
// keys and values live in one buffer [2, B, H, capacity, d_head] at positions [start, end); the capacity is
// about twice mem_len, so a new token is written in place and the live window is moved to the front only once
// every mem_len tokens (no copy of the whole cache per token).
struct XlCache {
    std::vector<torch::Tensor> kv;
    std::int64_t start = 0, end = 0;
    std::int64_t positions() const { return end - start; }
};

// Makes room in `cache` for `tokens` more positions of a batch of `batch` (allocating the buffers on first use, in
// `options`): when the buffers are full, the live window moves to the front of fresh ones twice mem_len long.
// std::invalid_argument if the cache holds another batch size.
void reserve_cache(XlCache& cache, std::int64_t batch, std::int64_t tokens, const TransformerXlConfig& config,
                   const torch::TensorOptions& options);

struct TransformerXlImpl : torch::nn::Module {
    explicit TransformerXlImpl(const TransformerXlConfig& c);
    // tokens [B, T] (int64); positions [B, T] (int64): each token's step (token_positions), or none: all at step 0.
    // Returns logits [B, T, vocab]; *next_memory (if given) receives the memory for the next segment: the last
    // mem_len layer inputs of memory + this segment, detached.
    torch::Tensor forward(const torch::Tensor& tokens, const XlMemory& memory = {}, XlMemory* next_memory = nullptr,
                          const torch::Tensor& positions = {});
    // Generation: logits [B, T, vocab] for tokens that follow the cached positions; appends their keys/values
    // to the cache, keeping the last mem_len positions.
    torch::Tensor step(const torch::Tensor& tokens, XlCache& cache, const torch::Tensor& positions = {});
    // Token embedding plus the beat and bar embeddings of the positions (no dropout).
    torch::Tensor embed_input(const torch::Tensor& tokens, const torch::Tensor& positions);

    TransformerXlConfig config;
    torch::nn::Embedding embed{nullptr}, beat_embed{nullptr}, bar_embed{nullptr};
    torch::Tensor u, v, out_bias;
    torch::nn::ModuleList layers{nullptr};
    torch::nn::Dropout drop_emb{nullptr};
};
TORCH_MODULE(TransformerXl);

// Sinusoids of distances 0 .. n-1, [n, d] (sin half then cos half, as fastai's PositionalEncoding).
torch::Tensor distance_encoding(std::int64_t n, int d, const torch::TensorOptions& options);

}  // namespace quintet
