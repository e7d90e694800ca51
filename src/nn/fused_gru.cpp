#include "nn/fused_gru.hpp"

#include <ATen/Parallel.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace quintet {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Rows of the batch per parallel chunk: about 4k elements each, so small steps stay on one thread.
std::int64_t row_grain(std::int64_t hidden) { return std::max<std::int64_t>(1, 4096 / std::max<std::int64_t>(1, hidden)); }

// Below this share of non-zero inputs the gather-and-add projection beats the dense GEMM (frames of 5 x 128
// cells hold about 1 % notes; JSB's 88 cells about 4 %).
bool sparse_enough(const torch::Tensor& x_flat) {
    if (x_flat.numel() == 0) return false;
    return double(x_flat.count_nonzero().item<std::int64_t>()) < 0.1 * double(x_flat.numel());
}

inline float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

class FusedGru : public torch::autograd::Function<FusedGru> {
public:
    // Saved for backward: x time-major [T, B, I], the states h_0..h_T [T+1, B, H], per step the gates r, z, n
    // and W_hn h + b_hn [T, B, 4H], and the two weight matrices.
    static variable_list forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& h0, const torch::Tensor& w_ih,
                                 const torch::Tensor& w_hh, const torch::Tensor& b_ih, const torch::Tensor& b_hh) {
        const std::int64_t batch = x.size(0), steps = x.size(1), in = x.size(2), hidden = w_hh.size(1);
        const auto xt = x.transpose(0, 1).contiguous();
        const auto x_flat = xt.view({steps * batch, in});
        // Piano-roll frames are mostly zeros (a few notes of 640 cells): then the input projection is a sum of the
        // weight columns of the sounding cells, not a dense GEMM, and so is its weight gradient (backward).
        const bool sparse = sparse_enough(x_flat);
        torch::Tensor gi;
        if (sparse) {
            const auto nz = x_flat.nonzero();  // [nnz, 2]: row, column
            const auto rows = nz.select(1, 0), cols = nz.select(1, 1);
            const auto values = x_flat.index({rows, cols}).unsqueeze(1);
            gi = b_ih.unsqueeze(0).repeat({steps * batch, 1}).index_add_(0, rows, w_ih.t().index_select(0, cols) * values);
            ctx->saved_data["sparse_rows"] = rows;
            ctx->saved_data["sparse_cols"] = cols;
            ctx->saved_data["sparse_values"] = values;
        } else {
            gi = at::addmm(b_ih, x_flat, w_ih.t());
        }
        gi = gi.view({steps, batch, 3 * hidden});
        auto states = torch::empty({steps + 1, batch, hidden}, x.options());
        states[0].copy_(h0);
        auto gates = torch::empty({steps, batch, 4 * hidden}, x.options());
        auto gh = torch::empty({batch, 3 * hidden}, x.options());
        const auto w_hh_t = w_hh.t();
        for (std::int64_t t = 0; t < steps; ++t) {
            at::addmm_out(gh, b_hh, states[t], w_hh_t);
            const float* gi_t = gi.data_ptr<float>() + t * batch * 3 * hidden;
            const float* gh_t = gh.data_ptr<float>();
            const float* h_prev = states.data_ptr<float>() + t * batch * hidden;
            float* h_next = states.data_ptr<float>() + (t + 1) * batch * hidden;
            float* g_t = gates.data_ptr<float>() + t * batch * 4 * hidden;
            at::parallel_for(0, batch, row_grain(hidden), [&](std::int64_t first, std::int64_t last) {
                for (std::int64_t b = first; b < last; ++b) {
                    const float* a = gi_t + b * 3 * hidden;
                    const float* c = gh_t + b * 3 * hidden;
                    const float* hp = h_prev + b * hidden;
                    float* hn = h_next + b * hidden;
                    float* g = g_t + b * 4 * hidden;
                    for (std::int64_t j = 0; j < hidden; ++j) {
                        const float r = sigmoid(a[j] + c[j]);
                        const float z = sigmoid(a[hidden + j] + c[hidden + j]);
                        const float ghn = c[2 * hidden + j];
                        const float n = std::tanh(a[2 * hidden + j] + r * ghn);
                        hn[j] = n + z * (hp[j] - n);
                        g[j] = r;
                        g[hidden + j] = z;
                        g[2 * hidden + j] = n;
                        g[3 * hidden + j] = ghn;
                    }
                }
            });
        }
        ctx->save_for_backward({xt, states, gates, w_ih, w_hh});
        auto y = states.narrow(0, 1, steps).transpose(0, 1).contiguous();
        auto last = states[steps].clone();
        return {y, last};
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const auto &xt = saved[0], &states = saved[1], &gates = saved[2], &w_ih = saved[3], &w_hh = saved[4];
        const std::int64_t steps = xt.size(0), batch = xt.size(1), in = xt.size(2), hidden = w_hh.size(1);
        const auto options = xt.options();
        const auto grad_y = grads[0].defined() ? grads[0].transpose(0, 1).contiguous() : torch::zeros({steps, batch, hidden}, options);
        auto dh = grads[1].defined() ? grads[1].contiguous().clone() : torch::zeros({batch, hidden}, options);
        auto dgi = torch::empty({steps, batch, 3 * hidden}, options);
        auto dgh = torch::empty({steps, batch, 3 * hidden}, options);
        auto direct = torch::empty({batch, hidden}, options);  // dL/dh_{t-1} through h' = n + z (h - n)
        for (std::int64_t t = steps - 1; t >= 0; --t) {
            const float* gy = grad_y.data_ptr<float>() + t * batch * hidden;
            const float* hp_t = states.data_ptr<float>() + t * batch * hidden;
            const float* g_t = gates.data_ptr<float>() + t * batch * 4 * hidden;
            float* dh_p = dh.data_ptr<float>();
            float* dgi_t = dgi.data_ptr<float>() + t * batch * 3 * hidden;
            float* dgh_t = dgh.data_ptr<float>() + t * batch * 3 * hidden;
            float* dd = direct.data_ptr<float>();
            at::parallel_for(0, batch, row_grain(hidden), [&](std::int64_t first, std::int64_t last) {
                for (std::int64_t b = first; b < last; ++b) {
                    const float* g = g_t + b * 4 * hidden;
                    const float* hp = hp_t + b * hidden;
                    float* di = dgi_t + b * 3 * hidden;
                    float* dg = dgh_t + b * 3 * hidden;
                    for (std::int64_t j = 0; j < hidden; ++j) {
                        const float d = dh_p[b * hidden + j] + gy[b * hidden + j];
                        const float r = g[j], z = g[hidden + j], n = g[2 * hidden + j], ghn = g[3 * hidden + j];
                        const float dn_pre = d * (1.0f - z) * (1.0f - n * n);
                        const float dz_pre = d * (hp[j] - n) * z * (1.0f - z);
                        const float dr_pre = dn_pre * ghn * r * (1.0f - r);
                        di[j] = dr_pre;
                        di[hidden + j] = dz_pre;
                        di[2 * hidden + j] = dn_pre;
                        dg[j] = dr_pre;
                        dg[hidden + j] = dz_pre;
                        dg[2 * hidden + j] = dn_pre * r;
                        dd[b * hidden + j] = d * z;
                    }
                }
            });
            at::addmm_out(dh, direct, dgh[t], w_hh);
        }
        const auto dgi_flat = dgi.view({steps * batch, 3 * hidden});
        const auto dgh_flat = dgh.view({steps * batch, 3 * hidden});
        torch::Tensor dx;
        if (ctx->needs_input_grad(0)) dx = dgi_flat.mm(w_ih).view({steps, batch, in}).transpose(0, 1);
        torch::Tensor dw_ih;
        if (ctx->saved_data.count("sparse_rows")) {
            const auto rows = ctx->saved_data["sparse_rows"].toTensor(), cols = ctx->saved_data["sparse_cols"].toTensor();
            const auto values = ctx->saved_data["sparse_values"].toTensor();
            dw_ih = torch::zeros({in, 3 * hidden}, options).index_add_(0, cols, dgi_flat.index_select(0, rows) * values).t();
        } else {
            dw_ih = dgi_flat.t().mm(xt.view({steps * batch, in}));
        }
        auto dw_hh = dgh_flat.t().mm(states.narrow(0, 0, steps).reshape({steps * batch, hidden}));
        return {dx, dh, dw_ih, dw_hh, dgi_flat.sum(0), dgh_flat.sum(0)};
    }
};

}  // namespace

bool fused_gru_supported(const torch::Tensor& x) { return x.device().is_cpu() && x.scalar_type() == torch::kFloat; }

std::pair<torch::Tensor, torch::Tensor> fused_gru_layer(const torch::Tensor& x, const torch::Tensor& h0,
                                                        const torch::Tensor& w_ih, const torch::Tensor& w_hh,
                                                        const torch::Tensor& b_ih, const torch::Tensor& b_hh) {
    if (!fused_gru_supported(x) || x.dim() != 3 || h0.dim() != 2 || h0.size(0) != x.size(0) ||
        w_ih.size(1) != x.size(2) || w_hh.size(0) != 3 * w_hh.size(1) || h0.size(1) != w_hh.size(1))
        throw std::invalid_argument("fused_gru_layer: expected float CPU x [B, T, I], h0 [B, H], w_ih [3H, I], w_hh [3H, H]");
    auto out = FusedGru::apply(x, h0.contiguous(), w_ih.contiguous(), w_hh.contiguous(), b_ih, b_hh);
    return {out[0], out[1]};
}

std::pair<torch::Tensor, torch::Tensor> run_gru(torch::nn::GRU& gru, const torch::Tensor& x, const torch::Tensor& h0) {
    const auto& options = gru->options;
    if (!fused_gru_supported(x) || !options.batch_first() || options.bidirectional() || !options.bias() || x.size(1) == 0)
    {
        auto [y, h] = h0.defined() ? gru->forward(x, h0) : gru->forward(x);
        return {y, h};
    }
    const std::int64_t layers = options.num_layers(), batch = x.size(0), hidden = options.hidden_size();
    const auto params = gru->named_parameters(false);
    torch::Tensor input = x;
    std::vector<torch::Tensor> last;
    for (std::int64_t l = 0; l < layers; ++l) {
        const std::string s = "_l" + std::to_string(l);
        const auto start = h0.defined() ? h0[l] : torch::zeros({batch, hidden}, x.options());
        if (l > 0 && options.dropout() > 0 && gru->is_training()) input = torch::dropout(input, options.dropout(), true);
        auto [y, h] = fused_gru_layer(input, start, params["weight_ih" + s], params["weight_hh" + s], params["bias_ih" + s],
                                      params["bias_hh" + s]);
        last.push_back(h);
        input = y;
    }
    return {input, torch::stack(last, 0)};
}

}  // namespace quintet
