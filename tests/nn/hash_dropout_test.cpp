// hash_dropout: the kept fraction and the scale of a Bernoulli(1 - p) dropout, elements (and seeds) independent
// of their neighbours, the gradient equal to the mask, reproducible under torch::manual_seed, identity in eval.
#include <gtest/gtest.h>

#include "nn/hash_dropout.hpp"

namespace quintet {
namespace {

TEST(HashDropout, KeepsOneMinusPAtTheRightScale) {
    const std::int64_t n = 1 << 20;
    for (const double p : {0.1, 0.5}) {
        auto mask = hash_dropout_mask(n, p, 12345);
        const float scale = float(1.0 / (1.0 - p));
        EXPECT_EQ(((mask == 0) | (mask == scale)).all().item<bool>(), true);
        const double dropped = (mask == 0).to(torch::kDouble).mean().item<double>();
        EXPECT_NEAR(dropped, p, 0.003);  // binomial sd sqrt(p (1 - p) / n) < 5e-4
        // Neighbours and the next seed independent: both dropped with probability p^2.
        auto d = (mask == 0).to(torch::kDouble);
        EXPECT_NEAR((d.narrow(0, 0, n - 1) * d.narrow(0, 1, n - 1)).mean().item<double>(), p * p, 0.003);
        auto other = (hash_dropout_mask(n, p, 12346) == 0).to(torch::kDouble);
        EXPECT_NEAR((d * other).mean().item<double>(), p * p, 0.003);
    }
}

TEST(HashDropout, GradientIsTheMaskAndTheSeedFixesIt) {
    torch::manual_seed(7);
    auto x = (torch::rand({64, 33}) + 0.5).requires_grad_(true);
    auto y = hash_dropout(x, 0.25, true);
    y.sum().backward();
    // y = x * m with m in {0, 4/3}: the gradient of the sum is m itself.
    auto m = y.detach() / x.detach();
    EXPECT_TRUE(torch::allclose(x.grad(), m));
    EXPECT_GT((m == 0).sum().item<int>(), 0);
    torch::manual_seed(7);
    auto again = hash_dropout(torch::rand({64, 33}) + 0.5, 0.25, true);
    EXPECT_TRUE(torch::equal(again, y.detach()));
    EXPECT_FALSE(torch::equal(hash_dropout(x.detach(), 0.25, true), y.detach()));  // the generator moved on
    EXPECT_TRUE(torch::equal(hash_dropout(x.detach(), 0.25, false), x.detach()));
    EXPECT_TRUE(torch::equal(hash_dropout(x.detach(), 0.0, true), x.detach()));
}

}  // namespace
}  // namespace quintet
