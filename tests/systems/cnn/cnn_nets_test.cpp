// The networks against SEED-SPEC section 5: shapes, parameter counts counted by hand from the layer list,
// the GEMM forms against the conv modules, and the loss falling on real windows of ../shared/data/lpd5.
#include <gtest/gtest.h>

#include "corpus/store.hpp"
#include "nn/batches.hpp"
#include "support/tiny_store.hpp"
#include "systems/cnn/batch_norm_noise.hpp"
#include "systems/cnn/cnn_nets.hpp"
#include "systems/cnn/run_model.hpp"

using namespace quintet;

namespace {

// Hand count from SEED-SPEC 5 (weights + biases; BatchNorm: weight + bias per channel).
constexpr std::int64_t conv(std::int64_t in, std::int64_t out, std::int64_t kh, std::int64_t kw) { return in * out * kh * kw + out; }
constexpr std::int64_t linear(std::int64_t in, std::int64_t out) { return in * out + out; }
constexpr std::int64_t bn(std::int64_t c) { return 2 * c; }
constexpr std::int64_t kEncoder = conv(1, 64, 4, 4) + bn(64) + conv(64, 128, 4, 4) + bn(128) + conv(128, 256, 2, 8) + bn(256);
// ConvTranspose2d(in, out) has in * out * kh * kw weights and `out` biases: the same formula.
constexpr std::int64_t kDecoder = conv(256, 128, 2, 8) + bn(128) + conv(128, 64, 4, 4) + bn(64) + conv(64, 1, 4, 4);
constexpr std::int64_t kHarmonyDense = linear(512, 256) + linear(256, 64) + linear(64, 256);
constexpr std::int64_t kMelodyDense = linear(256, 256) + linear(256, 64) + linear(64, 256);

using test::randomise_batch_norm;

}  // namespace

TEST(CnnNets, ParameterCountsMatchTheHandCount) {
    EXPECT_EQ(kEncoder, 657728);
    MelodyCnn melody;
    HarmonyCnn shared(HarmonyEncoders::Shared), separate(HarmonyEncoders::Separate);
    EXPECT_EQ(parameter_count(*melody), kEncoder + kMelodyDense + kDecoder);
    EXPECT_EQ(parameter_count(*melody), 1413569);
    EXPECT_EQ(parameter_count(*shared), kEncoder + kHarmonyDense + kDecoder);  // one encoder for both inputs
    EXPECT_EQ(parameter_count(*shared), 1479105);
    EXPECT_EQ(parameter_count(*separate), 2 * kEncoder + kHarmonyDense + kDecoder);
    CnnBand band(HarmonyEncoders::Shared, CnnOutput::Sigmoid);
    EXPECT_EQ(parameter_count(*band), 1413569 + 4 * 1479105);
}

TEST(CnnNets, ShapesOfEachStage) {
    torch::manual_seed(1);
    CnnEncoder enc;
    CnnDecoder dec;
    HarmonyCnn h(HarmonyEncoders::Separate);
    MelodyCnn m;
    auto x = torch::rand({3, 32, 128});
    EXPECT_EQ(enc->forward(x).sizes(), (std::vector<std::int64_t>{3, 256}));
    EXPECT_EQ(dec->forward(torch::rand({3, 256})).sizes(), (std::vector<std::int64_t>{3, 32, 128}));
    EXPECT_EQ(m->forward(x).sizes(), (std::vector<std::int64_t>{3, 32, 128}));
    EXPECT_EQ(h->forward(x, x).sizes(), (std::vector<std::int64_t>{3, 32, 128}));
    EXPECT_EQ(enc->conv3->weight.sizes(), (std::vector<std::int64_t>{256, 128, 2, 8}));
    EXPECT_EQ(dec->deconv1->weight.sizes(), (std::vector<std::int64_t>{256, 128, 2, 8}));
}

TEST(CnnNets, GemmFormsEqualTheConvModules) {
    torch::manual_seed(2);
    for (auto encoders : {HarmonyEncoders::Shared, HarmonyEncoders::Separate}) {
        HarmonyCnn h(encoders);
        MelodyCnn m;
        randomise_batch_norm(*h);
        randomise_batch_norm(*m);
        h->eval();
        m->eval();
        torch::NoGradGuard g;
        auto own = (torch::rand({4, 32, 128}) > 0.9).to(torch::kFloat) * 0.8, piano = torch::rand({4, 32, 128});
        EXPECT_TRUE(torch::allclose(h->forward(own, piano), h->forward_modules(own, piano), 1e-4, 1e-5));
        EXPECT_TRUE(torch::allclose(m->forward(piano), m->forward_modules(piano), 1e-4, 1e-5));
    }
    // Training mode without dropout's randomness: the batch statistics of the first layer agree.
    CnnEncoder enc;
    enc->train();
    auto x = torch::rand({6, 32, 128});
    auto rows = x.reshape({6, 8, 4, 32, 4}).permute({0, 1, 3, 2, 4}).reshape({6 * 256, 16});
    auto gemm = torch::relu(torch::batch_norm(torch::addmm(enc->conv1->bias, rows, enc->conv1->weight.reshape({64, 16}).t()),
                                              enc->bn1->weight, enc->bn1->bias, {}, {}, true, 0.1, 1e-5, false));
    auto modules = torch::relu(enc->bn1->forward(enc->conv1->forward(x.unsqueeze(1))));  // [6, 64, 8, 32]
    EXPECT_TRUE(torch::allclose(gemm.reshape({6, 8, 32, 64}).permute({0, 3, 1, 2}), modules, 1e-4, 1e-5));
}

TEST(CnnNets, LossFallsOnRealWindows) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto store = CorpusStore::open(test::default_tiny_store());
    const auto set = store_windows(store, Split::Train, cnn_window_spec());
    const auto pairs = window_pairs(set);
    ASSERT_GT(pairs.size(), 10);
    auto rolls = window_tensor(set);
    auto now = to_unit_float(rolls.index_select(0, pairs.from.narrow(0, 0, 16)), torch::kCPU);
    auto next = to_unit_float(rolls.index_select(0, pairs.to.narrow(0, 0, 16)), torch::kCPU);
    for (auto output : {CnnOutput::Sigmoid, CnnOutput::Relu}) {
        torch::manual_seed(3);
        CnnBand band(HarmonyEncoders::Shared, output);
        torch::optim::Adam adam(band->parameters(), torch::optim::AdamOptions(1e-3));
        // The training objective itself: training mode (batch statistics), the same dropout masks each time.
        auto evaluate = [&] {
            torch::NoGradGuard g;
            band->train();
            torch::manual_seed(11);
            return band->pair_losses(now, next);
        };
        const auto before = evaluate();
        for (int step = 0; step < 20; ++step) {
            band->train();
            adam.zero_grad();
            band->pair_losses(now, next).sum().backward();
            adam.step();
        }
        const auto after = evaluate();
        for (int i = 0; i < kCnnInstruments; ++i)
            EXPECT_LT(after[i].item<double>(), before[i].item<double>() * 0.9)
                << kCnnInstrumentName[std::size_t(i)] << (output == CnnOutput::Sigmoid ? " bce" : " mse");
    }
}
