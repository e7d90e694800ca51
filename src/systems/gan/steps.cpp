#include "systems/gan/steps.hpp"

namespace quintet {

namespace F = torch::nn::functional;

torch::Tensor real_targets(std::int64_t n, bool smoothing, const torch::TensorOptions& options) {
    if (!smoothing) return torch::ones({n}, options);
    return torch::rand({n}, options).mul_(0.1).add_(0.9);
}

torch::Tensor fake_targets(std::int64_t n, bool smoothing, const torch::TensorOptions& options) {
    if (!smoothing) return torch::zeros({n}, options);
    return torch::rand({n}, options).mul_(0.1);
}

torch::Tensor feature_matching_loss(const torch::Tensor& fake, const torch::Tensor& real, const torch::Tensor& fake_features,
                                    const torch::Tensor& real_features) {
    return F::mse_loss(fake.mean(0), real.mean(0).detach()) + F::mse_loss(fake_features.mean(0), real_features.mean(0).detach());
}

torch::Tensor gradient_penalty(const std::function<torch::Tensor(const torch::Tensor&)>& critic, const torch::Tensor& real,
                               const torch::Tensor& fake, const torch::Tensor& eps) {
    std::vector<std::int64_t> shape(std::size_t(real.dim()), 1);
    shape[0] = real.size(0);
    const auto e = eps.view(shape);
    auto mixed = (e * real.detach() + (1 - e) * fake.detach()).requires_grad_(true);
    auto score = critic(mixed);
    auto grad = torch::autograd::grad({score.sum()}, {mixed}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
    return (grad.flatten(1).norm(2, 1) - 1).pow(2).mean();
}

JudgedPair judge_pair(GanDiscriminator& D, const torch::Tensor& real, const torch::Tensor& fake, bool joint) {
    if (!joint) return {D(real), D(fake)};
    const std::int64_t n = real.size(0);
    const DiscriminatorOutput both = D(torch::cat({real, fake}));
    return {{both.logit.narrow(0, 0, n), both.features.narrow(0, 0, n)},
            {both.logit.narrow(0, n, fake.size(0)), both.features.narrow(0, n, fake.size(0))}};
}

DiscriminatorStep discriminator_step(GanNets& nets, torch::optim::Optimizer& d_optimizer, const torch::Tensor& real,
                                     const GanRule& rule) {
    auto& D = nets.discriminator;
    const std::int64_t n = real.size(0);
    DiscriminatorStep s;
    s.fake = nets.generator(torch::randn({n, nets.settings.noise_dim}, real.options()));
    auto [on_real, on_fake] = judge_pair(D, real, s.fake.detach(), rule.joint_batch);
    s.real_features = on_real.features.detach();
    torch::Tensor loss;
    if (rule.loss == GanLoss::Bce) {
        const bool smooth = rule.stabilisers.label_smoothing;
        loss = (F::binary_cross_entropy_with_logits(on_real.logit, real_targets(n, smooth, real.options())) +
                F::binary_cross_entropy_with_logits(on_fake.logit, fake_targets(n, smooth, real.options()))) /
               2;
        s.acc_real = on_real.logit.gt(0).to(torch::kFloat).mean().item<double>();
        s.acc_fake = on_fake.logit.lt(0).to(torch::kFloat).mean().item<double>();
    } else {
        // A critic's scores have no threshold; a real sample counts as told apart when it scores above the fake
        // batch's mean, a fake one when below the real batch's mean.
        auto penalty = gradient_penalty([&](const torch::Tensor& x) { return D(x).logit; }, real, s.fake,
                                        torch::rand({n}, real.options()));
        loss = on_fake.logit.mean() - on_real.logit.mean() + rule.gp_weight * penalty;
        s.gradient_penalty = penalty.item<double>();
        s.acc_real = on_real.logit.gt(on_fake.logit.mean()).to(torch::kFloat).mean().item<double>();
        s.acc_fake = on_fake.logit.lt(on_real.logit.mean()).to(torch::kFloat).mean().item<double>();
    }
    d_optimizer.zero_grad();
    loss.backward();
    if (rule.before_step) rule.before_step(d_optimizer);
    d_optimizer.step();
    s.loss = loss.item<double>();
    return s;
}

torch::Tensor generator_loss(GanNets& nets, const torch::Tensor& fake, const torch::Tensor& real,
                             const torch::Tensor& real_features, const GanRule& rule, double* adversarial, double* matching) {
    // Judged as D learnt: with the real batch in the same batch when joint (only the fake half is G's loss).
    auto judged = rule.joint_batch ? judge_pair(nets.discriminator, real, fake, true).fake : nets.discriminator(fake);
    auto loss = rule.loss == GanLoss::Bce
                    ? F::binary_cross_entropy_with_logits(judged.logit, torch::ones_like(judged.logit))
                    : -judged.logit.mean();
    if (adversarial) *adversarial = loss.item<double>();
    if (rule.stabilisers.feature_matching) {
        auto fm = feature_matching_loss(fake, real, judged.features, real_features);
        if (matching) *matching = fm.item<double>();
        loss = loss + fm;
    }
    return loss;
}

GeneratorStep generator_step(GanNets& nets, torch::optim::Optimizer& g_optimizer, const DiscriminatorStep& d,
                             const torch::Tensor& real, const GanRule& rule) {
    GeneratorStep s;
    auto loss = generator_loss(nets, d.fake, real, d.real_features, rule, &s.loss, &s.feature_matching);
    g_optimizer.zero_grad();
    loss.backward();  // D's gradients from this pass are cleared by its next step
    if (rule.before_step) rule.before_step(g_optimizer);
    g_optimizer.step();
    return s;
}

}  // namespace quintet
