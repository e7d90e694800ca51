// The fused GRU against torch::nn::GRU as the oracle: the same weights must give the same outputs, final
// states and gradients (of the input, the initial state and every parameter) within float tolerance.
#include <gtest/gtest.h>

#include "nn/fused_gru.hpp"

namespace quintet {
namespace {

struct Grads {
    torch::Tensor y, h, dx, dh0;
    std::vector<torch::Tensor> dparams;
};

// One forward + backward of a loss that weights every output and the final state differently.
Grads run(torch::nn::GRU& gru, const torch::Tensor& x_in, const torch::Tensor& h0_in, bool fused) {
    auto x = x_in.clone().requires_grad_(true);
    auto h0 = h0_in.clone().requires_grad_(true);
    gru->zero_grad();
    torch::Tensor y, h;
    if (fused)
        std::tie(y, h) = run_gru(gru, x, h0);
    else
        std::tie(y, h) = gru->forward(x, h0);
    torch::manual_seed(7);
    const auto wy = torch::randn(y.sizes()), wh = torch::randn(h.sizes());
    ((y * wy).sum() + (h * wh).sum()).backward();
    Grads g{y.detach(), h.detach(), x.grad().clone(), h0.grad().clone(), {}};
    for (auto& p : gru->parameters()) g.dparams.push_back(p.grad().clone());
    return g;
}

void expect_close(const torch::Tensor& a, const torch::Tensor& b, const char* what) {
    ASSERT_EQ(a.sizes(), b.sizes()) << what;
    const double scale = std::max(1.0, b.abs().max().item<double>());
    EXPECT_LT((a - b).abs().max().item<double>(), 2e-5 * scale) << what;
}

// density 0: normal inputs; otherwise 0/1 frames with that share of ones (the sparse input projection).
void compare(std::int64_t batch, std::int64_t steps, std::int64_t in, std::int64_t hidden, std::int64_t layers,
             double density = 0) {
    torch::manual_seed(1);
    torch::nn::GRU gru(torch::nn::GRUOptions(in, hidden).num_layers(layers).batch_first(true));
    const auto x = density > 0 ? torch::bernoulli(torch::full({batch, steps, in}, density)) : torch::randn({batch, steps, in});
    const auto h0 = torch::randn({layers, batch, hidden}) * 0.5;
    const Grads want = run(gru, x, h0, false), got = run(gru, x, h0, true);
    expect_close(got.y, want.y, "outputs");
    expect_close(got.h, want.h, "final state");
    expect_close(got.dx, want.dx, "input gradient");
    expect_close(got.dh0, want.dh0, "initial-state gradient");
    ASSERT_EQ(got.dparams.size(), want.dparams.size());
    for (std::size_t i = 0; i < want.dparams.size(); ++i) expect_close(got.dparams[i], want.dparams[i], "parameter gradient");
}

TEST(FusedGru, MatchesTorchGruOneLayer) { compare(3, 7, 5, 4, 1); }
TEST(FusedGru, MatchesTorchGruTwoLayersLargerState) { compare(16, 33, 88, 64, 2); }
TEST(FusedGru, MatchesTorchGruSingleStep) { compare(2, 1, 3, 6, 1); }
TEST(FusedGru, MatchesTorchGruOnSparsePianoRollFrames) { compare(8, 20, 640, 32, 2, 0.02); }

TEST(FusedGru, ZeroInitialStateWhenNoneGiven) {
    torch::manual_seed(2);
    torch::nn::GRU gru(torch::nn::GRUOptions(4, 5).batch_first(true));
    const auto x = torch::randn({2, 6, 4});
    auto [y_want, h_want] = gru->forward(x);
    auto [y_got, h_got] = run_gru(gru, x);
    expect_close(y_got, y_want, "outputs");
    expect_close(h_got, h_want, "final state");
}

TEST(FusedGru, HandComputedSingleUnit) {
    // One unit, one input, all weights 1, biases 0, x = 1, h0 = 0:
    // r = z = sigmoid(1), n = tanh(1 + r * 0) = tanh(1), h' = n + z (0 - n) = (1 - sigmoid(1)) tanh(1).
    auto w = torch::ones({3, 1}), b = torch::zeros({3});
    auto [y, h] = fused_gru_layer(torch::ones({1, 1, 1}), torch::zeros({1, 1}), w, w, b, b);
    const double s = 1.0 / (1.0 + std::exp(-1.0));
    EXPECT_NEAR(y.item<double>(), (1.0 - s) * std::tanh(1.0), 1e-6);
    EXPECT_NEAR(h.item<double>(), y.item<double>(), 0);
}

TEST(FusedGru, RejectsWrongShapes) {
    auto w = torch::ones({3, 2}), b = torch::zeros({3});
    EXPECT_THROW(fused_gru_layer(torch::ones({1, 1, 3}), torch::zeros({1, 1}), torch::ones({3, 1}), torch::ones({3, 1}), b, b),
                 std::invalid_argument);
    EXPECT_THROW(fused_gru_layer(torch::ones({1, 1, 2}), torch::zeros({1, 2}), w, torch::ones({3, 1}), b, b), std::invalid_argument);
}

TEST(FusedGru, FallsBackForDoubles) {
    torch::manual_seed(3);
    torch::nn::GRU gru(torch::nn::GRUOptions(3, 4).batch_first(true));
    gru->to(torch::kDouble);
    const auto x = torch::randn({2, 5, 3}, torch::kDouble);
    EXPECT_FALSE(fused_gru_supported(x));
    auto [y, h] = run_gru(gru, x);
    EXPECT_TRUE(torch::equal(y, std::get<0>(gru->forward(x))));
}

}  // namespace
}  // namespace quintet
