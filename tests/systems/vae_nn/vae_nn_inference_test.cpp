// VaeNnInference (generation's packed, sparsity-skipping CPU path) against the model's own modules: the
// ConvVae conv modules (encode_conv / decode_conv, LibTorch's kernels as the oracle) and the latent nets'
// forward, on real lpd5 windows, on the binary blocks generation feeds back, and on empty and near-empty
// blocks (where the precomputed constants do all the work).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "systems/vae_nn/inference.hpp"
#include "support/tiny_store.hpp"
#include "nn/batches.hpp"

namespace {

using namespace quintet;

constexpr int K = 16;

// A model with biases of both signs and a realistic spread (LibTorch's default biases are small and
// would leave relu(b) almost everywhere positive or almost everywhere zero).
VaeNnModel make_model(Likelihood likelihood, std::uint64_t seed, bool residual_nets = false) {
    torch::manual_seed(seed);
    VaeNnModel model(K, likelihood, residual_nets);
    torch::NoGradGuard g;
    for (auto& p : model->named_parameters())
        if (p.key().find("bias") != std::string::npos) p.value().uniform_(-0.3, 0.3);
    model->eval();
    return model;
}

// [N, 32, 128] float blocks: real lpd5 windows (velocity / 127) of every instrument, the fed-back binary
// form of the same windows, an empty block, single notes at region borders, and near-empty blocks.
torch::Tensor test_blocks() {
    std::vector<torch::Tensor> blocks;
    for (const char* name : {"mma__solo_solo", "openmsx__tttheme2", "mma__midi-inc_frankie"}) {
        auto windows = to_unit_float(vae_windows(test::load_lpd5_at_resolution_2(name)), torch::kCPU);
        for (std::int64_t w = 0; w < std::min<std::int64_t>(windows.size(0), 4); ++w)
            for (int i = 0; i < kVaeInstruments; ++i) {
                blocks.push_back(windows[w][i]);
                blocks.push_back(windows[w][i].gt(0).to(torch::kFloat) * 0.8);  // binarised, as fed back
            }
    }
    blocks.push_back(torch::zeros({32, 128}));
    for (auto [r, c] : {std::pair{0, 0}, {15, 15}, {16, 16}, {31, 127}, {17, 100}}) {
        auto one = torch::zeros({32, 128});
        one.index_put_({r, c}, 0.8);
        blocks.push_back(one);
    }
    auto few = torch::zeros({32, 128});
    few.index_put_({3, 60}, 0.6);
    few.index_put_({4, 60}, 0.6);
    few.index_put_({20, 64}, 1.0);
    blocks.push_back(few);
    blocks.push_back(torch::rand({32, 128}));  // dense: every patch and position computed
    return torch::stack(blocks);
}

TEST(VaeNnInference, EncodeMeansEqualTheConvModules) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto model = make_model(Likelihood::Gaussian, 11);
    VaeNnInference fast(*model);
    auto x = test_blocks();
    ASSERT_GE(x.size(0), 100);
    torch::NoGradGuard g;
    std::vector<float> mean(K);
    for (int i = 0; i < kVaeInstruments; ++i) {
        auto ref = model->vae(i)->encode_conv(x).narrow(1, 0, K).contiguous();
        for (std::int64_t n = 0; n < x.size(0); ++n) {
            auto block = x[n].contiguous();
            fast.encode_mean(i, block.data_ptr<float>(), mean.data());
            auto got = torch::from_blob(mean.data(), {K}).clone();
            EXPECT_TRUE(torch::allclose(got, ref[n], 1e-4, 1e-5))
                << "instrument " << i << " block " << n << ": max diff " << (got - ref[n]).abs().max().item<float>();
        }
    }
}

TEST(VaeNnInference, EmptyBlockEncodesToTheBiasChain) {
    // Independent of the packed constants: the conv modules on zeros, and the same chain by hand.
    auto model = make_model(Likelihood::Gaussian, 12);
    VaeNnInference fast(*model);
    torch::NoGradGuard g;
    auto zeros = torch::zeros({1, 32, 128});
    auto means = fast.encode_means(torch::zeros({5, 32, 128}));
    for (int i = 0; i < kVaeInstruments; ++i) {
        auto p = model->vae(i)->named_parameters();
        auto h1 = torch::relu(p["enc1.bias"]);                                        // [64]
        auto h2 = torch::relu(p["enc2.bias"] + p["enc2.weight"].sum({2, 3}).mv(h1));  // 16 equal patches
        auto h3 = torch::relu(p["enc3.bias"] + p["enc3.weight"].sum({2, 3}).mv(h2));  // 16 equal positions
        auto hand = (p["enc_out.bias"] + p["enc_out.weight"].mv(h3)).narrow(0, 0, K);
        EXPECT_TRUE(torch::allclose(means[0][i], hand, 1e-4, 1e-5));
        EXPECT_TRUE(torch::allclose(means[0][i], model->vae(i)->encode_conv(zeros)[0].narrow(0, 0, K), 1e-4, 1e-5));
    }
}

TEST(VaeNnInference, ReconstructEqualsTheConvModules) {
    for (auto likelihood : {Likelihood::Gaussian, Likelihood::Bernoulli}) {
        auto model = make_model(likelihood, 13);
        VaeNnInference fast(*model);
        torch::NoGradGuard g;
        for (double scale : {0.0, 1.0, 3.0}) {
            auto z = torch::randn({1, kVaeInstruments, K}) * scale;
            auto got = fast.reconstruct(z);
            ASSERT_EQ(got.sizes(), (std::vector<std::int64_t>{5, 32, 128}));
            for (int i = 0; i < kVaeInstruments; ++i) {
                auto ref = model->vae(i)->decode_conv(z.select(1, i))[0];
                if (likelihood == Likelihood::Bernoulli) ref = torch::sigmoid(ref);
                EXPECT_TRUE(torch::allclose(got[i], ref, 1e-4, 1e-5))
                    << likelihood_name(likelihood) << " instrument " << i << " scale " << scale << ": max diff "
                    << (got[i] - ref).abs().max().item<float>();
            }
        }
    }
}

// The packed latent nets predict as the model's modules, without and with the given noise.
void expect_nets_match(VaeNnModel& model, const VaeNnInference& fast, const torch::Tensor& z, const torch::Tensor& noise) {
    EXPECT_TRUE(torch::allclose(fast.predict_next(z), model->predict_next(z), 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(fast.predict_next(z, noise), model->predict_next(z, noise), 1e-5, 1e-6));
}

TEST(VaeNnInference, PredictNextEqualsTheLatentNets) {
    auto model = make_model(Likelihood::Gaussian, 14);
    VaeNnInference fast(*model);
    torch::NoGradGuard g;
    auto z = torch::randn({1, kVaeInstruments, K});
    auto noise = torch::randn({1, kVaeInstruments, K}) * 0.7;
    expect_nets_match(model, fast, z, noise);
    // The noise on the piano latent must reach the conditional nets (it is their input).
    auto moved = fast.predict_next(z, noise) - fast.predict_next(z);
    EXPECT_GT((moved.select(1, 1) - noise.select(1, 1)).abs().max().item<float>(), 1e-4);
}

TEST(VaeNnInference, ResidualNetsEqualTheModules) {
    auto model = make_model(Likelihood::Bernoulli, 15, true);
    VaeNnInference fast(*model);
    torch::NoGradGuard g;
    auto z = torch::randn({1, kVaeInstruments, K});
    expect_nets_match(model, fast, z, torch::randn({1, kVaeInstruments, K}) * 0.5);
    // The melody net differs from the same weights used as a direct net by exactly the previous piano latent
    // (the conditional nets then see another piano latent, so only the piano is compared).
    auto direct = make_model(Likelihood::Bernoulli, 15, false);
    auto change = fast.predict_next(z) - VaeNnInference(*direct).predict_next(z);
    EXPECT_TRUE(torch::allclose(change.select(1, 0), z.select(1, 0), 1e-5, 1e-6));
}

}  // namespace

// The logit cut stands in for the sigmoid exactly: it is the first float whose sigmoid (1 / (1 + exp(-x)) in
// float, the Bernoulli decoder's activation) reaches the threshold, and reconstruct_above gives reconstruct()'s
// values wherever they reach the threshold and 0 elsewhere (the cells generation silences anyway). The
// thresholds include values the decoder produced, so cells sit exactly on the boundary.
TEST(VaeNnInference, LogitCutDecidesAsTheSigmoid) {
    auto sigmoid = [](float x) { return 1.0f / (1.0f + std::exp(-x)); };
    auto model = make_model(Likelihood::Bernoulli, 21);
    VaeNnInference fast(*model);
    for (float t : {0.005f, 0.175f, 0.3f, 0.5f, 0.9f, 0.995f}) {
        const auto cut = fast.logit_cut(t);
        ASSERT_TRUE(cut) << t;
        EXPECT_GE(sigmoid(*cut), t);
        EXPECT_LT(sigmoid(std::nextafter(*cut, -std::numeric_limits<float>::infinity())), t);
        EXPECT_NEAR(*cut, std::log(t / (1 - t)), 1e-4 * (1 + std::abs(std::log(t / (1 - t)))));  // the logit of t
    }
    EXPECT_FALSE(fast.logit_cut(0.0f));  // every value reaches 0: nothing to cut
    auto gaussian = make_model(Likelihood::Gaussian, 21);
    EXPECT_FALSE(VaeNnInference(*gaussian).logit_cut(0.3f));  // no sigmoid to stand in for

    torch::manual_seed(5);
    std::vector<float> full(32 * 128), above(32 * 128);
    std::size_t kept = 0, silenced = 0;
    for (int i = 0; i < kVaeInstruments; ++i)
        for (double scale : {1.0, 3.0}) {
            auto z = (torch::randn({K}) * scale).contiguous();
            fast.reconstruct(i, z.data_ptr<float>(), full.data());
            auto sorted = full;
            std::nth_element(sorted.begin(), sorted.begin() + 2048, sorted.end());
            const float t = sorted[2048];  // a decoded value: at least one cell sits on the threshold
            fast.reconstruct_above(i, z.data_ptr<float>(), fast.logit_cut(t), above.data());
            for (std::size_t c = 0; c < full.size(); ++c) {
                const float expected = full[c] >= t ? full[c] : 0.0f;
                ASSERT_EQ(above[c], expected) << "instrument " << i << " cell " << c << " threshold " << t;
                (full[c] >= t ? kept : silenced) += 1;
            }
        }
    EXPECT_GT(kept, 10000u);
    EXPECT_GT(silenced, 10000u);
}
