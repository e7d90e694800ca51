// The DCGAN's networks and update steps against hand computations: shapes, initialisation, the gradient
// penalty, label-smoothing targets, feature matching, diversity.
#include <gtest/gtest.h>

#include <cmath>

#include "systems/gan/diversity.hpp"
#include "systems/gan/model.hpp"
#include "systems/gan/steps.hpp"
#include "util/error.hpp"

using namespace quintet;

namespace {

GanNetSettings settings(const std::string& preset, bool shared = false, bool critic = false) {
    return GanNetSettings{gan_shape_preset(preset), 100, shared, critic};
}

std::vector<torch::Tensor> gradients(torch::nn::Module& m) {
    std::vector<torch::Tensor> g;
    for (auto& p : m.parameters()) g.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
    return g;
}

double largest_gradient(torch::nn::Module& m) {
    double largest = 0;
    for (auto& p : m.parameters()) largest = std::max(largest, p.grad().abs().max().item<double>());
    return largest;
}

bool close_in_scale(const torch::Tensor& a, const torch::Tensor& b, double scale) {
    return (a - b).abs().max().item<double>() <= 1e-5 * scale + 1e-7;
}

}  // namespace

TEST(GanNetworks, OutputShapesOfBothPresets) {
    torch::manual_seed(1);
    for (const char* preset : {"original", "article"}) {
        const auto s = settings(preset);
        GanNets nets(s);
        auto x = nets.generator(torch::randn({3, 100}));
        ASSERT_EQ(x.sizes(), (std::vector<std::int64_t>{3, 5, s.shape.steps, s.shape.pitches})) << preset;
        EXPECT_GE(x.min().item<float>(), 0.0f);
        EXPECT_LE(x.max().item<float>(), 1.0f);
        auto out = nets.discriminator(x);
        EXPECT_EQ(out.logit.sizes(), (std::vector<std::int64_t>{3}));
        EXPECT_EQ(out.features.sizes(), (std::vector<std::int64_t>{3, 16, s.shape.steps / 2, 1}));
    }
    EXPECT_EQ(gan_shape_preset("original").bars(), 4);
    EXPECT_EQ(gan_shape_preset("article").bars(), 4);
    EXPECT_THROW(gan_shape_preset("square"), UsageError);
}

TEST(GanNetworks, SharedNormIsOneModuleReusedAndCriticHasNoBatchNorm) {
    torch::manual_seed(1);
    GanNets separate(settings("original")), shared(settings("original", true)), critic(settings("original", false, true));
    auto g_sep = separate.generator->named_parameters(), g_sh = shared.generator->named_parameters();
    // The original's generator: one BatchNorm2d(64) (weight + bias) and one PReLU weight for five layers.
    EXPECT_TRUE(g_sh.contains("norm.weight"));
    EXPECT_TRUE(g_sh.contains("prelu.weight"));
    EXPECT_FALSE(g_sh.contains("norm2.weight"));
    EXPECT_TRUE(g_sep.contains("norm5.weight"));
    EXPECT_EQ(g_sep.size() - g_sh.size(), 4u * 3u);  // four more BN weights, BN biases, PReLU weights
    auto d_critic = critic.discriminator->named_parameters();
    for (const auto& p : d_critic) EXPECT_EQ(p.key().find("norm"), std::string::npos) << p.key();
    // A critic without dropout scores a batch the same way twice in training mode.
    critic.discriminator->train();
    auto x = torch::rand({4, 5, 64, 72});
    EXPECT_TRUE(torch::equal(critic.discriminator(x).logit, critic.discriminator(x).logit));
}

TEST(GanNetworks, InitialisationFollowsTheOriginal) {
    torch::manual_seed(2);
    GanNets nets(settings("original"));
    auto params = nets.generator->named_parameters();
    auto w = params["tconv6.weight"];  // 64 x 5 x 2 x 72 = 46,080 draws
    EXPECT_NEAR(w.mean().item<double>(), 0.0, 0.001);
    EXPECT_NEAR(w.std().item<double>(), 0.02, 0.001);
    auto bn = params["norm1.weight"];
    EXPECT_NEAR(bn.mean().item<double>(), 1.0, 0.02);
    EXPECT_GT(bn.std().item<double>(), 0.005);
    EXPECT_TRUE(torch::equal(params["norm1.bias"], torch::zeros_like(params["norm1.bias"])));
}

TEST(GanSteps, GradientPenaltyEqualsAHandComputation) {
    // critic(x) = (x . w)^2 per sample: its gradient is 2 (x . w) w, of norm 2 |x . w| |w|.
    auto w = torch::tensor({1.0, 2.0}, torch::kDouble).requires_grad_(true);
    auto critic = [&](const torch::Tensor& x) { return x.matmul(w).pow(2); };
    auto real = torch::tensor({{1.0, 0.0}, {0.0, 1.0}}, torch::kDouble);
    auto fake = torch::tensor({{0.0, 0.0}, {1.0, 1.0}}, torch::kDouble);
    auto eps = torch::tensor({0.5, 0.25}, torch::kDouble);
    // x1 = 0.5 (1,0) + 0.5 (0,0) = (0.5, 0): x.w = 0.5; x2 = 0.25 (0,1) + 0.75 (1,1) = (0.75, 1): x.w = 2.75.
    const double norm_w = std::sqrt(5.0);
    const double n1 = 2 * 0.5 * norm_w, n2 = 2 * 2.75 * norm_w;
    const double expected = ((n1 - 1) * (n1 - 1) + (n2 - 1) * (n2 - 1)) / 2;
    auto gp = gradient_penalty(critic, real, fake, eps);
    EXPECT_NEAR(gp.item<double>(), expected, 1e-9);
    // It is differentiable in the critic's weights (the critic's update needs that): compare with a central
    // finite difference in w[0].
    gp.backward();
    const double h = 1e-6;
    auto at = [&](double w0) {
        auto w2 = torch::tensor({w0, 2.0}, torch::kDouble).requires_grad_(true);
        return gradient_penalty([&](const torch::Tensor& x) { return x.matmul(w2).pow(2); }, real, fake, eps).item<double>();
    };
    EXPECT_NEAR(w.grad()[0].item<double>(), (at(1 + h) - at(1 - h)) / (2 * h), 1e-4);
}

TEST(GanSteps, LabelSmoothingTargetsLieInTheirRanges) {
    torch::manual_seed(3);
    const auto f = torch::TensorOptions(torch::kFloat);
    auto real = real_targets(10000, true, f), fake = fake_targets(10000, true, f);
    EXPECT_GE(real.min().item<float>(), 0.9f);
    EXPECT_LE(real.max().item<float>(), 1.0f);
    EXPECT_GE(fake.min().item<float>(), 0.0f);
    EXPECT_LE(fake.max().item<float>(), 0.1f);
    // drawn, not constant: uniform on a width of 0.1 has sd 0.1 / sqrt(12) = 0.0289
    EXPECT_NEAR(real.std().item<double>(), 0.1 / std::sqrt(12.0), 0.002);
    EXPECT_NEAR(fake.mean().item<double>(), 0.05, 0.002);
    EXPECT_TRUE(torch::equal(real_targets(5, false, f), torch::ones({5})));
    EXPECT_TRUE(torch::equal(fake_targets(5, false, f), torch::zeros({5})));
}

TEST(GanSteps, FeatureMatchingIsPerFeatureMeans) {
    // inputs: means per cell over the batch (0.5, 0) vs (1, 1): MSE = (0.25 + 1) / 2; features: equal means.
    auto fake = torch::tensor({1.f, 0.f, 0.f, 0.f}).view({2, 1, 1, 2});
    auto real = torch::ones({2, 1, 1, 2});
    auto feat = torch::tensor({1.f, 3.f, 3.f, 1.f}).view({2, 2});
    auto same = torch::full({2, 2}, 2.f);
    EXPECT_NEAR(feature_matching_loss(fake, real, feat, same).item<double>(), 0.625, 1e-7);
    // Per-feature means (2, 2) vs (0, 4): MSE = (4 + 4) / 2. The original's one scalar mean per batch sees no
    // difference here (both average 2).
    EXPECT_NEAR(feature_matching_loss(real, real, feat, torch::tensor({0.f, 4.f, 0.f, 4.f}).view({2, 2})).item<double>(),
                4.0, 1e-7);
}

TEST(GanSteps, FeatureMatchingChangesTheGeneratorsGradient) {
    torch::manual_seed(4);
    GanNets nets(settings("original"));
    nets.discriminator->eval();  // no dropout: the same D for the three passes below
    auto real = torch::rand({6, 5, 64, 72}).gt(0.9).to(torch::kFloat);
    auto fake = nets.generator(torch::randn({6, 100}));
    auto real_features = nets.discriminator(real).features.detach();
    GanRule plain, matched;
    matched.stabilisers.feature_matching = true;
    auto grads_for = [&](const std::function<torch::Tensor()>& loss) {
        nets.generator->zero_grad();
        loss().backward({}, /*retain_graph=*/true);
        return gradients(*nets.generator);
    };
    auto without = grads_for([&] { return generator_loss(nets, fake, real, real_features, plain); });
    auto with = grads_for([&] { return generator_loss(nets, fake, real, real_features, matched); });
    auto fm_only = grads_for([&] {
        return feature_matching_loss(fake, real, nets.discriminator(fake).features, real_features);
    });
    double largest_change = 0;
    for (std::size_t i = 0; i < with.size(); ++i) {
        largest_change = std::max(largest_change, (with[i] - without[i]).abs().max().item<double>());
        // the change is exactly feature matching's own gradient
        EXPECT_TRUE(torch::allclose(with[i] - without[i], fm_only[i], 1e-4, 1e-7)) << i;
    }
    EXPECT_GT(largest_change, 1e-6);
}

TEST(GanSteps, SeparateBatchesHideADensityOffsetAndJointOnesDoNot) {
    // D's first layer is linear and batch norm follows it: judged as a batch of its own, a fake batch shifted by
    // a constant (every cell + 0.3, i.e. denser) gives the same conv outputs up to a per-channel constant, which
    // the batch's own statistics remove: D cannot see the shift (the original's D at chance). Judged together
    // with the real batch, the statistics are shared and the shift shows.
    torch::manual_seed(8);
    GanNets nets(settings("original"));
    auto& D = nets.discriminator;
    D->train();
    auto real = torch::rand({8, 5, 64, 72}).gt(0.97).to(torch::kFloat);
    auto fake = torch::rand({8, 5, 64, 72}).mul(0.2);
    auto judged = [&](const torch::Tensor& f, bool joint) {
        torch::NoGradGuard no_grad;
        torch::manual_seed(3);  // the same dropout masks for both calls
        return judge_pair(D, real, f, joint).fake.logit;
    };
    const auto separate = judged(fake, false), separate_shifted = judged(fake + 0.3, false);
    EXPECT_TRUE(torch::allclose(separate, separate_shifted, 1e-3, 1e-4)) << separate << separate_shifted;
    const auto joint = judged(fake, true), joint_shifted = judged(fake + 0.3, true);
    EXPECT_GT((joint - joint_shifted).abs().max().item<double>(), 0.05) << joint << joint_shifted;
    // The joint pass is D on the concatenated batch, split in two.
    torch::manual_seed(3);
    const auto both = D(torch::cat({real, fake})).logit.detach();
    EXPECT_TRUE(torch::allclose(joint, both.narrow(0, 8, 8)));
}

TEST(GanDiversity, JaccardDistanceAndDistinctShareByHand) {
    // a = 1100, b = 1010, c = 0000, d = 1100: a-b 2/3, a-c 1, a-d 0, b-c 1, b-d 2/3, c-d 1.
    std::vector<std::uint8_t> cells = {1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0};
    auto d = sample_diversity(cells, 4);
    EXPECT_NEAR(d.mean_jaccard_distance, (2.0 / 3 + 1 + 0 + 1 + 2.0 / 3 + 1) / 6, 1e-12);
    EXPECT_DOUBLE_EQ(d.distinct_share, 3.0 / 4);
    EXPECT_DOUBLE_EQ(d.density, 6.0 / 16);
    // collapse: identical samples, or all silent, score 0
    std::vector<std::uint8_t> same(3 * 100, 0);
    EXPECT_EQ(sample_diversity(same, 3).mean_jaccard_distance, 0.0);
    for (int s = 0; s < 3; ++s) same[std::size_t(s) * 100 + 70] = 1;
    EXPECT_EQ(sample_diversity(same, 3).mean_jaccard_distance, 0.0);
    EXPECT_DOUBLE_EQ(sample_diversity(same, 3).distinct_share, 1.0 / 3);
    EXPECT_THROW(sample_diversity(same, 7), Error);
}

TEST(GanOptions, StabilisersAndOptimisers) {
    auto s = parse_stabilisers("ttur,label-smoothing");
    EXPECT_TRUE(s.ttur && s.label_smoothing && !s.feature_matching);
    EXPECT_EQ(stabilisers_text(s), "label-smoothing,ttur");
    EXPECT_EQ(stabilisers_text(parse_stabilisers("all")), "label-smoothing,feature-matching,ttur");
    EXPECT_EQ(stabilisers_text(parse_stabilisers("none")), "none");
    EXPECT_THROW(parse_stabilisers("dropout"), UsageError);
    GanTrainConfig c;
    auto o = gan_optimiser_settings(c, s, GanLoss::Bce);
    EXPECT_EQ(o.lr_d, 6e-4);
    EXPECT_EQ(o.lr_g, 3e-4);
    EXPECT_EQ(o.beta1, 0.0);
    EXPECT_EQ(o.beta2, 0.99);
    o = gan_optimiser_settings(c, {}, GanLoss::WganGp);
    EXPECT_EQ(o.lr_d, 1e-4);
    EXPECT_EQ(o.beta1, 0.5);
    EXPECT_EQ(o.beta2, 0.9);
    c.lr_g = 5e-5;
    EXPECT_EQ(gan_optimiser_settings(c, {}, GanLoss::WganGp).lr_g, 5e-5);
    EXPECT_THROW(parse_gan_loss("hinge"), UsageError);
}

TEST(GanNetworks, MatrixProductPathEqualsTheConvModules) {
    // forward() computes every layer as one matrix product; forward_modules() runs the conv modules on the same
    // weights. Values, input and weight gradients, and batch-norm running statistics must agree.
    for (const char* preset : {"original", "article"})
        for (bool shared : {false, true}) {
            torch::manual_seed(6);
            const auto s = settings(preset, shared);
            GanNets a(s), b(s);
            for (auto& p : b.generator->named_parameters()) p.value().data().copy_(a.generator->named_parameters()[p.key()]);
            for (auto& p : b.discriminator->named_parameters())
                p.value().data().copy_(a.discriminator->named_parameters()[p.key()]);
            auto z = torch::randn({5, 100});
            auto fast = a.generator(z), slow = b.generator->forward_modules(z);  // training mode: batch statistics
            ASSERT_TRUE(torch::allclose(fast, slow, 1e-4, 1e-6)) << preset << shared;
            fast.pow(2).sum().backward();
            slow.pow(2).sum().backward();
            auto gb = b.generator->named_parameters();
            // Float rounding differs between the two paths; a bias before a batch norm has a true gradient of 0 and
            // gets rounding noise on both, so gradients compare on the scale of the network's largest one.
            const double g_scale = largest_gradient(*b.generator);
            for (const auto& p : a.generator->named_parameters())
                EXPECT_TRUE(close_in_scale(p.value().grad(), gb[p.key()].grad(), g_scale)) << preset << shared << p.key();
            auto bb = b.generator->named_buffers();
            for (const auto& buf : a.generator->named_buffers())
                EXPECT_TRUE(torch::allclose(buf.value().to(torch::kDouble), bb[buf.key()].to(torch::kDouble), 1e-4, 1e-6)) << buf.key();
            // D in eval mode (no dropout draws), on blocks that need a gradient (WGAN-GP and G's step use it)
            a.discriminator->eval();
            b.discriminator->eval();
            auto x1 = torch::rand({5, 5, s.shape.steps, s.shape.pitches}).requires_grad_(true);
            auto x2 = x1.detach().clone().requires_grad_(true);
            auto da = a.discriminator(x1), db = b.discriminator->forward_modules(x2);
            ASSERT_TRUE(torch::allclose(da.logit, db.logit, 1e-4, 1e-5)) << preset << shared;
            ASSERT_TRUE(torch::allclose(da.features, db.features, 1e-4, 1e-5));
            (da.logit.sum() + da.features.sum()).backward();
            (db.logit.sum() + db.features.sum()).backward();
            EXPECT_TRUE(torch::allclose(x1.grad(), x2.grad(), 1e-3, 1e-6));
            auto pb = b.discriminator->named_parameters();
            const double d_scale = largest_gradient(*b.discriminator);
            for (const auto& p : a.discriminator->named_parameters())
                EXPECT_TRUE(close_in_scale(p.value().grad(), pb[p.key()].grad(), d_scale)) << p.key();
        }
}
