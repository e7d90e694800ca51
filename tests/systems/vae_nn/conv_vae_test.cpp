#include <gtest/gtest.h>

#include <cmath>

#include "systems/vae_nn/conv_vae.hpp"
#include "systems/vae_nn/latent_nets.hpp"
#include "systems/vae_nn/model.hpp"
#include "util/error.hpp"

using namespace quintet;

namespace {
std::int64_t count_parameters(torch::nn::Module& m) {
    std::int64_t n = 0;
    for (const auto& p : m.parameters()) n += p.numel();
    return n;
}
void zero_parameters(torch::nn::Module& m) {
    torch::NoGradGuard g;
    for (auto& p : m.parameters()) p.zero_();
}
}  // namespace

TEST(ConvVae, ParameterCountMatchesTheOriginalForK16) {
    ConvVae vae(16, Likelihood::Gaussian);
    EXPECT_EQ(count_parameters(*vae), 1322131);  // SEED-SPEC section 6
}

TEST(ConvVae, ShapesThroughEncoderAndDecoder) {
    for (int k : {8, 16, 64}) {
        ConvVae vae(k, Likelihood::Gaussian);
        auto x = torch::rand({3, 32, 128});
        EXPECT_EQ(vae->encode(x).sizes(), (std::vector<int64_t>{3, k + 1}));
        EXPECT_EQ(vae->means(x).sizes(), (std::vector<int64_t>{3, k}));
        EXPECT_EQ(vae->decode(torch::randn({3, k})).sizes(), (std::vector<int64_t>{3, 32, 128}));
        auto l = vae->loss(x);
        EXPECT_EQ(l.loss.dim(), 0);
        EXPECT_TRUE(std::isfinite(l.loss.item<float>()));
    }
}

TEST(ConvVae, GaussianLossOfAZeroNetworkIsHalfTheSquaredInput) {
    // All weights zero: mu = 0, log sigma = 0 so z = eps and the KL estimate is exactly 0; the decoder
    // outputs 0 and sigma_x = 1, so -ELBO = sum(x^2) / 2 per window.
    ConvVae vae(8, Likelihood::Gaussian);
    zero_parameters(*vae);
    auto x = torch::rand({4, 32, 128});
    auto l = vae->loss(x);
    double expected = (x.pow(2).sum() / 2 / 4).item<double>();
    EXPECT_NEAR(l.loss.item<double>(), expected, 1e-3 * expected);
    EXPECT_NEAR(l.kl.item<double>(), 0.0, 1e-6);
}

TEST(ConvVae, BernoulliLossOfAZeroNetworkIsLog2PerCell) {
    ConvVae vae(8, Likelihood::Bernoulli);
    zero_parameters(*vae);
    auto x = (torch::rand({2, 32, 128}) > 0.5).to(torch::kFloat);
    auto l = vae->loss(x);
    EXPECT_NEAR(l.reconstruction.item<double>(), 4096 * std::log(2.0), 1e-2);
    // reconstruct() maps logits 0 to probability 0.5
    EXPECT_NEAR(vae->reconstruct(torch::zeros({1, 8})).mean().item<double>(), 0.5, 1e-6);
}

TEST(ConvVae, BernoulliReconstructionsAreProbabilitiesOfTheLogits) {
    // generation thresholds reconstruct(): for Bernoulli it must be sigmoid(decode) in [0, 1]
    torch::manual_seed(3);
    ConvVae vae(8, Likelihood::Bernoulli);
    auto z = 10 * torch::randn({4, 8});
    auto logits = vae->decode(z);
    auto p = vae->reconstruct(z);
    EXPECT_GE(p.min().item<double>(), 0.0);
    EXPECT_LE(p.max().item<double>(), 1.0);
    auto expected = 1 / (1 + torch::exp(-logits));  // the logistic function, written out
    EXPECT_LT((p - expected).abs().max().item<double>(), 1e-6);
}

TEST(ConvVae, RejectsBadSettings) {
    EXPECT_THROW(ConvVae(0, Likelihood::Gaussian), UsageError);
    EXPECT_THROW(parse_likelihood("poisson"), UsageError);
    EXPECT_EQ(parse_likelihood("bernoulli"), Likelihood::Bernoulli);
}

TEST(LatentNets, ParameterCountsAndShapes) {
    LatentMelodyNet melody(16);
    LatentConditionalNet cond(16);
    // (16*128+128) + (128*128+128) + (128*16+16) and (32*128+128) + (128*16+16)
    EXPECT_EQ(count_parameters(*melody), 20752);
    EXPECT_EQ(count_parameters(*cond), 6288);
    EXPECT_EQ(melody->forward(torch::randn({5, 16})).sizes(), (std::vector<int64_t>{5, 16}));
    EXPECT_EQ(cond->forward(torch::randn({5, 16}), torch::randn({5, 16})).sizes(), (std::vector<int64_t>{5, 16}));
}

TEST(VaeNnModel, BundlesFiveVaesAndFiveNets) {
    VaeNnModel m(16, Likelihood::Gaussian);
    EXPECT_EQ(count_parameters(*m), 5 * 1322131 + 20752 + 4 * 6288);
    auto rolls = torch::rand({2, 5, 32, 128});
    auto z = m->encode_means(rolls);
    EXPECT_EQ(z.sizes(), (std::vector<int64_t>{2, 5, 16}));
    m->eval();
    EXPECT_EQ(m->predict_next(z).sizes(), (std::vector<int64_t>{2, 5, 16}));
    // noise on the piano prediction reaches the conditional nets
    auto noise = torch::zeros({2, 5, 16});
    noise.select(1, 0).fill_(1.0);
    auto a = m->predict_next(z), b = m->predict_next(z, noise);
    EXPECT_TRUE(torch::allclose(a.select(1, 0) + 1.0, b.select(1, 0)));
    EXPECT_FALSE(torch::allclose(a.select(1, 2), b.select(1, 2)));
}
