#include "systems/transformer/model.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "nn/hash_dropout.hpp"

namespace quintet {

namespace nn = torch::nn;

TransformerXlConfig TransformerXlConfig::musicautobot(int vocab) {
    TransformerXlConfig c;
    c.vocab = vocab;
    c.layers = 16;
    c.d_model = 512;
    c.heads = 8;
    c.d_head = 64;
    c.d_inner = 2048;
    c.mem_len = 512;
    return c;
}

torch::Tensor distance_encoding(std::int64_t n, int d, const torch::TensorOptions& options) {
    auto pos = torch::arange(n, options).unsqueeze(1);                                  // [n, 1]
    auto freq = torch::pow(10000.0, -torch::arange(0, d, 2, options) / double(d));     // [d/2]
    auto angles = pos * freq.unsqueeze(0);
    return torch::cat({torch::sin(angles), torch::cos(angles)}, 1);
}

RelativeAttentionImpl::RelativeAttentionImpl(int d_model, int heads_, int d_head_, double dropout)
    : heads(heads_), d_head(d_head_) {
    const int hd = heads * d_head;
    qkv = register_module("qkv", nn::Linear(nn::LinearOptions(d_model, 3 * hd).bias(false)));
    out = register_module("out", nn::Linear(nn::LinearOptions(hd, d_model).bias(false)));
    r_proj = register_module("r_proj", nn::Linear(nn::LinearOptions(d_model, hd).bias(false)));
    norm = register_module("norm", nn::LayerNorm(nn::LayerNormOptions({d_model})));
    drop_attn = register_module("drop_attn", nn::Dropout(dropout));
    drop_res = register_module("drop_res", nn::Dropout(dropout));
}

KeyValues RelativeAttentionImpl::project_kv(const torch::Tensor& h) {
    const std::int64_t B = h.size(0), M = h.size(1), hd = heads * d_head;
    auto kv = torch::linear(h, qkv->weight.slice(0, hd)).view({B, M, 2, heads, d_head}).permute({2, 0, 3, 1, 4});
    return {kv[0], kv[1]};
}

void RelativeAttentionImpl::refresh_distance_table(std::int64_t n, std::int64_t d_model, const torch::TensorOptions& options) {
    const auto& w = r_proj->weight;
    const bool stale = !distance_table_.defined() || distance_table_.size(0) < n || table_version_ != std::int64_t(w._version()) ||
                       table_weight_ != w.data_ptr() || distance_table_.device() != w.device() ||
                       distance_table_.scalar_type() != w.scalar_type();
    if (!stale) return;
    std::int64_t rows = 64;
    while (rows < n) rows *= 2;
    distance_table_ = r_proj(distance_encoding(rows, int(d_model), options));
    reversed_table_ = distance_table_.flip(0).view({rows, heads, d_head}).permute({1, 0, 2}).contiguous();
    table_version_ = std::int64_t(w._version());
    table_weight_ = w.data_ptr();
}

torch::Tensor RelativeAttentionImpl::distance_keys(std::int64_t n, std::int64_t d_model, const torch::TensorOptions& options) {
    if (torch::GradMode::is_enabled()) return r_proj(distance_encoding(n, int(d_model), options));
    refresh_distance_table(n, d_model, options);
    return distance_table_.narrow(0, 0, n);
}

torch::Tensor RelativeAttentionImpl::reversed_distance_keys(std::int64_t n, std::int64_t d_model, const torch::TensorOptions& options) {
    if (torch::GradMode::is_enabled()) return r_proj(distance_encoding(n, int(d_model), options).flip(0));
    refresh_distance_table(n, d_model, options);
    return distance_table_.narrow(0, 0, n).flip(0);
}

torch::Tensor RelativeAttentionImpl::step_one(const torch::Tensor& x, torch::Tensor& kv, std::int64_t start, std::int64_t at,
                                              const torch::Tensor& uv) {
    const std::int64_t D = x.size(0), K = at + 1 - start;
    auto proj = torch::mv(qkv->weight, x).view({3, heads, d_head});
    kv.select(3, at).copy_(proj.narrow(0, 1, 2).unsqueeze(1));  // this token's key and value
    auto keys = kv[0][0].narrow(1, start, K), values = kv[1][0].narrow(1, start, K);  // [H, K, dh]
    refresh_distance_table(K, D, x.options());
    auto by_distance = reversed_table_.narrow(1, reversed_table_.size(1) - K, K);      // [H, K, dh], oldest key first
    auto quv = (proj[0].unsqueeze(0) + uv).unsqueeze(3);                              // [2, H, dh, 1]: q + u, q + v
    const double scale = 1.0 / std::sqrt(double(d_head));
    auto score = torch::baddbmm(torch::bmm(keys, quv[0]), by_distance, quv[1], scale, scale);  // [H, K, 1]
    auto vec = torch::bmm(torch::softmax(score, 1).transpose(1, 2), values).view({heads * d_head});
    return torch::layer_norm(torch::mv(out->weight, vec).add_(x), {D}, norm->weight, norm->bias, norm->options.eps());
}

torch::Tensor RelativeAttentionImpl::forward(const torch::Tensor& x, const KeyValues& past, const torch::Tensor& u,
                                             const torch::Tensor& v, KeyValues* present) {
    const std::int64_t B = x.size(0), T = x.size(1), D = x.size(2);
    auto proj = qkv(x).view({B, T, 3, heads, d_head}).permute({2, 0, 3, 1, 4});  // [3, B, H, T, dh]
    auto q = proj[0], k_new = proj[1], v_new = proj[2];
    const std::int64_t M = past.empty() ? 0 : past.k.size(2);
    auto k = M ? torch::cat({past.k, k_new}, 2) : k_new;
    auto val = M ? torch::cat({past.v, v_new}, 2) : v_new;
    if (present) *present = {k_new, v_new};
    const std::int64_t K = M + T;

    const double scale = 1.0 / std::sqrt(double(d_head));
    auto opts = torch::TensorOptions().dtype(torch::kLong).device(x.device());
    auto dist = (torch::arange(T, opts).unsqueeze(1) + M) - torch::arange(K, opts).unsqueeze(0);  // [T, K]: M + i - j
    torch::Tensor score;
    if (shift_by_gather) {
        // The former formulation (tests compare against it): the term for every distance d, then each (i, j)
        // picks d = M + i - j with a gather (the clamp only keeps masked pairs in range).
        auto wr = distance_keys(K, D, x.options()).view({K, heads, d_head}).permute({1, 2, 0});  // [H, dh, K]
        auto content = torch::matmul(q + u.view({1, heads, 1, d_head}), k.transpose(-1, -2));  // [B, H, T, K]
        auto by_distance = torch::matmul(q + v.view({1, heads, 1, d_head}), wr.unsqueeze(0));  // [B, H, T, K]
        score = (content + by_distance.gather(-1, dist.clamp(0, K - 1).expand({B, heads, T, K}))) * scale;
    } else {
        // Content term (q + u)·k and position term (q + v)·W_r R(d), both scaled, in one baddbmm. The position
        // term is computed for the K + 1 distances K, K - 1, ..., 0 (column c = distance K - c): (i, j) needs
        // distance M + i - j, at column T - i + j of row i, i.e. offset T + i K + j in the head's flat [T, K + 1]
        // block, so the T K values from offset T are the [T, K] term: a view, no gather or pad copy (Transformer-XL's
        // relative shift). Pairs with j past M + i read the next row's values and are masked below.
        auto wr = reversed_distance_keys(K + 1, D, x.options()).view({K + 1, heads, d_head}).permute({1, 2, 0});  // [H, dh, K+1]
        auto by_distance = torch::matmul(q + v.view({1, heads, 1, d_head}), wr.unsqueeze(0));  // [B, H, T, K + 1]
        auto position = by_distance.reshape({B * heads, T * (K + 1)}).narrow(1, T, T * K).view({B * heads, T, K});
        auto qu = (q + u.view({1, heads, 1, d_head})).reshape({B * heads, T, d_head});
        score = torch::baddbmm(position, qu, k.transpose(-1, -2).reshape({B * heads, d_head, K}), scale, scale).view({B, heads, T, K});
    }
    score = score.masked_fill((dist < 0).view({1, 1, T, K}), -std::numeric_limits<float>::infinity());
    auto attn = hash_dropout(torch::softmax(score, -1), drop_attn->options.p(), is_training());
    auto vec = torch::matmul(attn, val).permute({0, 2, 1, 3}).reshape({B, T, heads * d_head});
    return norm(x + hash_dropout(out(vec), drop_res->options.p(), is_training()));
}

XlLayerImpl::XlLayerImpl(const TransformerXlConfig& c) {
    attn = register_module("attn", RelativeAttention(c.d_model, c.heads, c.d_head, c.dropout));
    ff1 = register_module("ff1", nn::Linear(c.d_model, c.d_inner));
    ff2 = register_module("ff2", nn::Linear(c.d_inner, c.d_model));
    ff_norm = register_module("ff_norm", nn::LayerNorm(nn::LayerNormOptions({c.d_model})));
    drop_ff = register_module("drop_ff", nn::Dropout(c.dropout));
}

torch::Tensor XlLayerImpl::forward(const torch::Tensor& x, const KeyValues& past, const torch::Tensor& u,
                                   const torch::Tensor& v, KeyValues* present) {
    auto a = attn(x, past, u, v, present);
    const double p = drop_ff->options.p();
    return ff_norm(a + hash_dropout(ff2(hash_dropout(torch::gelu(ff1(a)), p, is_training())), p, is_training()));
}

torch::Tensor XlLayerImpl::step_one(const torch::Tensor& x, torch::Tensor& kv, std::int64_t start, std::int64_t at,
                                    const torch::Tensor& uv) {
    auto a = attn->step_one(x, kv, start, at, uv);
    auto h = torch::addmv(ff2->bias, ff2->weight, torch::gelu(torch::addmv(ff1->bias, ff1->weight, a)));
    return torch::layer_norm(h.add_(a), {a.size(0)}, ff_norm->weight, ff_norm->bias, ff_norm->options.eps());
}

TransformerXlImpl::TransformerXlImpl(const TransformerXlConfig& c) : config(c) {
    embed = register_module("embed", nn::Embedding(c.vocab, c.d_model));
    beat_embed = register_module("beat_embed", nn::Embedding(TransformerXlConfig::beat_len, c.d_model));
    bar_embed = register_module("bar_embed", nn::Embedding(TransformerXlConfig::max_bars, c.d_model));
    u = register_parameter("u", torch::zeros({c.heads, c.d_head}));
    v = register_parameter("v", torch::zeros({c.heads, c.d_head}));
    out_bias = register_parameter("out_bias", torch::zeros({c.vocab}));
    layers = register_module("layers", nn::ModuleList());
    for (int l = 0; l < c.layers; ++l) layers->push_back(XlLayer(c));
    drop_emb = register_module("drop_emb", nn::Dropout(c.dropout));
    // GPT/fastai-style initialisation: small normal weights, zero biases.
    torch::NoGradGuard no_grad;
    for (auto& p : named_parameters()) {
        const auto& name = p.key();
        if (name.find("norm") != std::string::npos) continue;  // LayerNorm keeps 1 and 0
        if (name.ends_with("bias")) p.value().zero_();
        else p.value().normal_(0.0, 0.02);
    }
}

torch::Tensor TransformerXlImpl::embed_input(const torch::Tensor& tokens, const torch::Tensor& positions) {
    auto pos = positions.defined() ? positions : torch::zeros_like(tokens);
    const auto beat = TransformerXlConfig::beat_len;
    return embed(tokens) + beat_embed(pos.remainder(beat)) + bar_embed(pos.div(beat, "floor").clamp(0, TransformerXlConfig::max_bars - 1));
}

torch::Tensor TransformerXlImpl::forward(const torch::Tensor& tokens, const XlMemory& memory, XlMemory* next_memory,
                                         const torch::Tensor& positions) {
    auto x = hash_dropout(embed_input(tokens, positions), drop_emb->options.p(), is_training());
    std::vector<torch::Tensor> inputs;
    for (std::size_t l = 0; l < layers->size(); ++l) {
        inputs.push_back(x);
        auto layer = layers->ptr<XlLayerImpl>(l);
        KeyValues past;
        if (!memory.empty() && memory.hidden[l].size(1) > 0) past = layer->attn->project_kv(memory.hidden[l]);
        x = layer->forward(x, past, u, v);
    }
    if (next_memory) {
        next_memory->hidden.clear();
        for (std::size_t l = 0; l < inputs.size() && config.mem_len > 0; ++l) {
            auto all = memory.empty() ? inputs[l] : torch::cat({memory.hidden[l], inputs[l]}, 1);
            const std::int64_t keep = std::min<std::int64_t>(all.size(1), config.mem_len);
            next_memory->hidden.push_back(all.slice(1, all.size(1) - keep).detach());
        }
    }
    return torch::linear(x, embed->weight, out_bias);
}

void reserve_cache(XlCache& cache, std::int64_t B, std::int64_t T, const TransformerXlConfig& config,
                   const torch::TensorOptions& options) {
    const std::int64_t live = cache.positions(), L = config.layers;
    if (!cache.kv.empty() && cache.kv[0].size(1) != B)
        throw std::invalid_argument("XlCache holds a batch of " + std::to_string(cache.kv[0].size(1)) + ", not " + std::to_string(B));
    if (!cache.kv.empty() && cache.end + T <= cache.kv[0].size(3)) return;
    const std::int64_t capacity = 2 * std::max<std::int64_t>(std::max(config.mem_len, 1), live + T);
    cache.kv.resize(std::size_t(L));
    for (auto& kv : cache.kv) {
        auto fresh = torch::empty({2, B, config.heads, capacity, config.d_head}, options);
        if (live > 0) fresh.narrow(3, 0, live).copy_(kv.narrow(3, cache.start, live));
        kv = fresh;
    }
    cache.start = 0;
    cache.end = live;
}

torch::Tensor TransformerXlImpl::step(const torch::Tensor& tokens, XlCache& cache, const torch::Tensor& positions) {
    const std::int64_t B = tokens.size(0), T = tokens.size(1), L = std::int64_t(layers->size());
    reserve_cache(cache, B, T, config, embed->weight.options());
    const std::int64_t live = cache.positions();

    torch::Tensor logits;
    if (B == 1 && T == 1 && !is_training() && !torch::GradMode::is_enabled()) {
        // One token: matrix-vector products straight on the cache buffers.
        const std::int64_t pos = positions.defined() ? positions.item<std::int64_t>() : 0;
        auto x = embed->weight[tokens.item<std::int64_t>()] + beat_embed->weight[pos % TransformerXlConfig::beat_len] +
                 bar_embed->weight[std::min<std::int64_t>(pos / TransformerXlConfig::beat_len, TransformerXlConfig::max_bars - 1)];
        auto uv = torch::stack({u, v});
        for (std::int64_t l = 0; l < L; ++l)
            x = layers->ptr<XlLayerImpl>(std::size_t(l))->step_one(x, cache.kv[std::size_t(l)], cache.start, cache.end, uv);
        logits = torch::addmv(out_bias, embed->weight, x).view({1, 1, config.vocab});
    } else {
        auto x = hash_dropout(embed_input(tokens, positions), drop_emb->options.p(), is_training());
        for (std::int64_t l = 0; l < L; ++l) {
            auto& kv = cache.kv[std::size_t(l)];
            KeyValues past, present;
            if (live > 0) past = {kv[0].narrow(2, cache.start, live), kv[1].narrow(2, cache.start, live)};
            x = layers->ptr<XlLayerImpl>(std::size_t(l))->forward(x, past, u, v, &present);
            kv[0].narrow(2, cache.end, T).copy_(present.k);
            kv[1].narrow(2, cache.end, T).copy_(present.v);
        }
        logits = torch::linear(x, embed->weight, out_bias);
    }
    cache.end += T;
    cache.start = std::max(cache.start, cache.end - config.mem_len);
    return logits;
}

}  // namespace quintet
