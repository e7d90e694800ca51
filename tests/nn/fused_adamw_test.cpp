// FusedAdamW against torch::optim::AdamW as the oracle: the same parameters after several steps (betas and lr
// changed between steps as the one-cycle schedule does), and a state that torch's AdamW reads back.
#include <gtest/gtest.h>

#include <sstream>

#include "nn/fused_adamw.hpp"

namespace quintet {
namespace {

std::vector<torch::Tensor> params(std::uint64_t seed) {
    torch::manual_seed(seed);
    return {torch::randn({7, 5}).requires_grad_(true), torch::randn({33}).requires_grad_(true), torch::randn({1}).requires_grad_(true)};
}

template <class Optimizer>
void run(Optimizer& opt, std::vector<torch::Tensor>& ps, int from, int to) {
    for (int s = from; s < to; ++s) {
        torch::manual_seed(100 + s);
        for (auto& p : ps) p.mutable_grad() = torch::randn_like(p);
        auto& o = static_cast<torch::optim::AdamWOptions&>(opt.param_groups()[0].options());
        o.lr(1e-2 * (1 + s));
        o.betas({0.95 - 0.02 * s, 0.99});
        opt.step();
    }
}

TEST(FusedAdamW, EqualsTorchAdamW) {
    auto a = params(1), b = params(1);
    const auto options = torch::optim::AdamWOptions(1e-2).weight_decay(0.05).betas({0.95, 0.99});
    torch::optim::AdamW reference(a, options);
    FusedAdamW fused(b, options);
    run(reference, a, 0, 5);
    run(fused, b, 0, 5);
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_TRUE(torch::allclose(b[i], a[i], 1e-5, 1e-6)) << i;
        EXPECT_FALSE(torch::allclose(a[i], params(1)[i], 1e-3, 1e-3)) << i;  // the steps moved the parameters
    }
    // Its state saved and read by torch's AdamW: the next steps still agree.
    std::stringstream buffer;
    {
        torch::serialize::OutputArchive out;
        fused.save(out);
        out.save_to(buffer);
    }
    auto c = b;
    for (auto& t : c) t = t.detach().clone().requires_grad_(true);
    torch::optim::AdamW resumed(c, options);
    torch::serialize::InputArchive in;
    in.load_from(buffer);
    resumed.load(in);
    run(resumed, c, 5, 8);
    run(fused, b, 5, 8);
    for (std::size_t i = 0; i < b.size(); ++i) EXPECT_TRUE(torch::allclose(c[i], b[i], 1e-5, 1e-6)) << i;
}

}  // namespace
}  // namespace quintet
