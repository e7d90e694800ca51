#include "nn/fused_adamw.hpp"

#include <cmath>
#include <memory>
#include <string>

namespace quintet {

namespace fused_adamw_detail {

struct Coefficients {
    float decay, beta1, one_minus_beta1, beta2, one_minus_beta2, inv_sqrt_bc2, eps, step_size;
};

// As AdamW::step: p *= 1 - lr wd; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
// p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps). A plain loop GCC vectorises.
void update(std::int64_t n, float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v,
            const Coefficients& c) {
    for (std::int64_t i = 0; i < n; ++i) {
        const float gi = g[i];
        const float mi = m[i] * c.beta1 + c.one_minus_beta1 * gi;
        const float vi = v[i] * c.beta2 + c.one_minus_beta2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * c.decay - c.step_size * mi / (std::sqrt(vi) * c.inv_sqrt_bc2 + c.eps);
    }
}

bool fusable(const torch::Tensor& p) {
    const auto& g = p.grad();
    return p.device().is_cpu() && p.scalar_type() == torch::kFloat && p.is_contiguous() && g.device().is_cpu() &&
           g.scalar_type() == torch::kFloat && g.is_contiguous() && !g.is_sparse();
}

}  // namespace fused_adamw_detail

torch::Tensor FusedAdamW::step(LossClosure closure) {
    using namespace fused_adamw_detail;
    for (auto& group : param_groups())
        for (auto& p : group.params())
            if (p.grad().defined() && (!fusable(p) || static_cast<torch::optim::AdamWOptions&>(group.options()).amsgrad()))
                return torch::optim::AdamW::step(closure);
    torch::NoGradGuard no_grad;
    torch::Tensor loss;
    if (closure != nullptr) {
        at::AutoGradMode enable_grad(true);
        loss = closure();
    }
    for (auto& group : param_groups()) {
        const auto& o = static_cast<torch::optim::AdamWOptions&>(group.options());
        const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
        for (auto& p : group.params()) {
            if (!p.grad().defined()) continue;
            const std::string key = c10::guts::to_string(p.unsafeGetTensorImpl());  // AdamW's key for the state
            auto it = state().find(key);
            if (it == state().end()) {
                auto s = std::make_unique<torch::optim::AdamWParamState>();
                s->step(0);
                s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                it = state().emplace(key, std::move(s)).first;
            }
            auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
            s.step(s.step() + 1);
            const double bc1 = 1 - std::pow(beta1, double(s.step())), bc2 = 1 - std::pow(beta2, double(s.step()));
            const Coefficients c{float(1 - o.lr() * o.weight_decay()), float(beta1), float(1 - beta1), float(beta2), float(1 - beta2),
                                 float(1 / std::sqrt(bc2)), float(o.eps()), float(o.lr() / bc1)};
            if (!s.exp_avg().is_contiguous() || !s.exp_avg_sq().is_contiguous())
                throw std::logic_error("FusedAdamW: the moment buffers of a parameter are not contiguous");
            update(p.numel(), p.data_ptr<float>(), p.grad().data_ptr<float>(), s.exp_avg().data_ptr<float>(),
                   s.exp_avg_sq().data_ptr<float>(), c);
        }
    }
    return loss;
}

}  // namespace quintet
