#include "systems/transformer/model.hpp"

#include <cmath>

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

    // Content term (q + u)·k and position term (q + v)·W_r R(d) for every distance d, then each (i, j) picks
    // d = M + i - j. Pairs with j past M + i are masked (the clamp only keeps the gather in range).
    auto wr = r_proj(distance_encoding(K, int(D), x.options())).view({K, heads, d_head}).permute({1, 2, 0});  // [H, dh, K]
    auto content = torch::matmul(q + u.view({1, heads, 1, d_head}), k.transpose(-1, -2));                   // [B, H, T, K]
    auto by_distance = torch::matmul(q + v.view({1, heads, 1, d_head}), wr.unsqueeze(0));                   // [B, H, T, K]
    auto opts = torch::TensorOptions().dtype(torch::kLong).device(x.device());
    auto dist = (torch::arange(T, opts).unsqueeze(1) + M) - torch::arange(K, opts).unsqueeze(0);            // [T, K]
    auto position = by_distance.gather(-1, dist.clamp(0, K - 1).expand({B, heads, T, K}));
    auto score = (content + position) * (1.0 / std::sqrt(double(d_head)));
    score = score.masked_fill((dist < 0).view({1, 1, T, K}), -std::numeric_limits<float>::infinity());
    auto attn = drop_attn(torch::softmax(score, -1));
    auto vec = torch::matmul(attn, val).permute({0, 2, 1, 3}).reshape({B, T, heads * d_head});
    return norm(x + drop_res(out(vec)));
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
    return ff_norm(a + drop_ff(ff2(drop_ff(torch::gelu(ff1(a))))));
}

TransformerXlImpl::TransformerXlImpl(const TransformerXlConfig& c) : config(c) {
    embed = register_module("embed", nn::Embedding(c.vocab, c.d_model));
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

torch::Tensor TransformerXlImpl::forward(const torch::Tensor& tokens, const XlMemory& memory, XlMemory* next_memory) {
    auto x = drop_emb(embed(tokens));
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

torch::Tensor TransformerXlImpl::step(const torch::Tensor& tokens, XlCache& cache) {
    auto x = drop_emb(embed(tokens));
    cache.layers.resize(layers->size());
    for (std::size_t l = 0; l < layers->size(); ++l) {
        KeyValues present;
        x = layers->ptr<XlLayerImpl>(l)->forward(x, cache.layers[l], u, v, &present);
        KeyValues& kv = cache.layers[l];
        auto k = kv.empty() ? present.k : torch::cat({kv.k, present.k}, 2);
        auto val = kv.empty() ? present.v : torch::cat({kv.v, present.v}, 2);
        const std::int64_t keep = std::min<std::int64_t>(k.size(2), config.mem_len);
        kv = {k.slice(2, k.size(2) - keep), val.slice(2, k.size(2) - keep)};
    }
    return torch::linear(x, embed->weight, out_bias);
}

}  // namespace quintet
