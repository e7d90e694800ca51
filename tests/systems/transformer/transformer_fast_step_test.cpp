// The packed one-token step (XlFastStep) against the module's step (itself tested against a naive computation and
// the full forward pass in transformer_model_test.cpp): the same logits within float rounding, token after token,
// past mem_len (the cache buffer compacted on the way), with the AVX-512 and the plain-loop kernels, for sizes
// that are multiples of 16 and sizes that are not.
#include <gtest/gtest.h>

#include <cmath>

#include "systems/transformer/fast_step.hpp"
#include "systems/transformer/model.hpp"

using namespace quintet;

namespace {

TransformerXlConfig config(int d_model, int heads, int d_head, int d_inner, int vocab, int mem_len) {
    TransformerXlConfig c;
    c.vocab = vocab;
    c.layers = 2;
    c.d_model = d_model;
    c.heads = heads;
    c.d_head = d_head;
    c.d_inner = d_inner;
    c.mem_len = mem_len;
    c.dropout = 0;
    return c;
}

// Weights far from the 0.02 initialisation (u, v, the norms and biases included), so every term moves the logits.
TransformerXl random_model(const TransformerXlConfig& c, std::uint64_t seed) {
    torch::manual_seed(seed);
    TransformerXl model(c);
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters()) p.normal_(0.0, 0.4);
    model->eval();
    return model;
}

// Feeds the same tokens to the module's step and to the fast step (each its own cache, the first `primer` tokens
// through the module's batched step for both) and returns the largest |difference| relative to the largest |logit|.
double worst_relative_difference(TransformerXl& model, XlFastStep& fast, int primer, int steps, double* scale_out = nullptr) {
    torch::NoGradGuard no_grad;
    const int V = model->config.vocab;
    std::vector<std::int64_t> tokens, positions;
    for (int i = 0; i < primer + steps; ++i) {
        tokens.push_back((7 * i + 3) % V);
        positions.push_back(i * 3 / 2 + (i % 5 == 0 ? 40 : 0));  // beats and bars both change
    }
    XlCache module_cache, fast_cache;
    if (primer > 0) {
        auto t = torch::tensor(std::vector<std::int64_t>(tokens.begin(), tokens.begin() + primer)).view({1, -1});
        auto p = torch::tensor(std::vector<std::int64_t>(positions.begin(), positions.begin() + primer)).view({1, -1});
        model->step(t, module_cache, p);
        model->step(t, fast_cache, p);
    }
    double worst = 0, scale = 0;
    for (int i = primer; i < primer + steps; ++i) {
        auto want = model->step(torch::tensor({tokens[std::size_t(i)]}).view({1, 1}), module_cache,
                                torch::tensor({positions[std::size_t(i)]}).view({1, 1}))
                        .view({V});
        auto got = fast.step(tokens[std::size_t(i)], positions[std::size_t(i)], fast_cache);
        const double s = want.abs().max().item<double>();
        scale = std::max(scale, s);
        worst = std::max(worst, (got - want).abs().max().item<double>() / s);
        EXPECT_EQ(got.argmax().item<std::int64_t>(), want.argmax().item<std::int64_t>()) << "token " << i;
        EXPECT_EQ(fast_cache.start, module_cache.start);
        EXPECT_EQ(fast_cache.end, module_cache.end);
    }
    if (scale_out) *scale_out = scale;
    return worst;
}

}  // namespace

TEST(TransformerXlFastStep, EqualsTheModuleStepWithSixteenWideHeads) {
    auto model = random_model(config(32, 2, 16, 64, 21, 9), 1);
    ASSERT_TRUE(XlFastStep::supports(*model));
    for (const bool generic : {false, true}) {
        XlFastStep fast(*model);
        fast.force_generic_kernels(generic);
        double scale = 0;
        // 30 tokens with mem_len 9: the window slides and the buffer (2 x 9) is compacted twice.
        EXPECT_LT(worst_relative_difference(model, fast, 0, 30, &scale), 1e-5) << (generic ? "plain loops" : "best kernels");
        EXPECT_GT(scale, 1.0);  // logits that are not all near 0
    }
}

TEST(TransformerXlFastStep, EqualsTheModuleStepWithOddSizes) {
    // Nothing a multiple of 16: the padded panels and the plain attention loops; three heads, a vocabulary of 23.
    auto model = random_model(config(12, 3, 4, 20, 23, 7), 2);
    for (const bool generic : {false, true}) {
        XlFastStep fast(*model);
        fast.force_generic_kernels(generic);
        EXPECT_LT(worst_relative_difference(model, fast, 0, 25), 1e-5) << (generic ? "plain loops" : "best kernels");
    }
}

TEST(TransformerXlFastStep, ContinuesACacheTheBatchedStepFilled) {
    // The primer goes through the module's batched step (as the generator does), then one token at a time.
    auto model = random_model(config(32, 4, 16, 48, 30, 40), 3);
    XlFastStep fast(*model);
    EXPECT_LT(worst_relative_difference(model, fast, 33, 20), 1e-5);
}

TEST(TransformerXlFastStep, SmallPresetSizes) {
    // The CPU preset's shapes (4 x 256, 4 heads x 64, d_inner 1024) over a context of 64 past mem_len 48.
    auto c = config(256, 4, 64, 1024, 312, 48);
    c.layers = 4;
    torch::manual_seed(4);
    TransformerXl model(c);  // the trained scale of weights: the 0.02 initialisation, norms at 1
    model->eval();
    XlFastStep fast(*model);
    EXPECT_LT(worst_relative_difference(model, fast, 16, 64), 1e-4);
}

TEST(TransformerXlFastStep, RefusesATokenOutsideTheVocabularyAndAnotherModelsCache) {
    auto model = random_model(config(16, 1, 16, 16, 10, 4), 5);
    XlFastStep fast(*model);
    XlCache cache;
    EXPECT_THROW(fast.step(10, 0, cache), std::out_of_range);
    EXPECT_THROW(fast.step(-1, 0, cache), std::out_of_range);
    EXPECT_NO_THROW(fast.step(9, 0, cache));
    XlCache other;  // two layers of 2 heads: another model's (this one has 1 head)
    other.kv = {torch::zeros({2, 1, 2, 8, 16}), torch::zeros({2, 1, 2, 8, 16})};
    other.end = 1;
    EXPECT_THROW(fast.step(1, 0, other), std::invalid_argument);
}
