#pragma once
// The DCGAN's update steps, D's and G's, with the stabilisers and WGAN-GP (SEED-SPEC 11.4; the pieces are
// public so the tests can check each against a hand computation).
#include <torch/torch.h>

#include <functional>

#include "systems/gan/model.hpp"
#include "systems/gan/options.hpp"

namespace quintet {

struct GanRule {
    GanLoss loss = GanLoss::Bce;
    GanStabilisers stabilisers;
    double gp_weight = 10;
    // D judges the real and the fake batch as one batch, so its batch norm sees both (default), or as two
    // batches as the original did: then each batch is normalised by its own statistics, which removes what
    // tells them apart (sparse binary windows vs G's grey outputs) and D stays at chance (docs/RESULTS.md).
    bool joint_batch = true;
    // Called between each update's backward and its optimiser step (data parallel: the all-reduce); may be empty.
    std::function<void(torch::optim::Optimizer&)> before_step;
};

// D's outputs on a real and a fake batch of the same size, judged as one batch or two (GanRule::joint_batch).
struct JudgedPair {
    DiscriminatorOutput real, fake;
};
JudgedPair judge_pair(GanDiscriminator& D, const torch::Tensor& real, const torch::Tensor& fake, bool joint);

// D's targets for a batch of n: real 1 and fake 0, or with label smoothing real ~ U[0.9, 1] and fake ~ U[0, 0.1]
// (one draw per sample from torch's generator).
torch::Tensor real_targets(std::int64_t n, bool smoothing, const torch::TensorOptions& options);
torch::Tensor fake_targets(std::int64_t n, bool smoothing, const torch::TensorOptions& options);

// Feature matching (Salimans et al. 2016) as the original meant it, per feature: the mean over the batch of
// every input cell and of every first-conv output, generated vs real, compared by MSE (the original took one
// scalar mean per batch and then left the term out of the loss it back-propagated).
torch::Tensor feature_matching_loss(const torch::Tensor& fake, const torch::Tensor& real, const torch::Tensor& fake_features,
                                    const torch::Tensor& real_features);

// WGAN-GP's penalty (Gulrajani et al. 2017): mean over the batch of (|grad_x critic(x)|_2 - 1)^2 at
// x = eps * real + (1 - eps) * fake, eps [B] per sample. Differentiable (for the critic's update).
torch::Tensor gradient_penalty(const std::function<torch::Tensor(const torch::Tensor&)>& critic, const torch::Tensor& real,
                               const torch::Tensor& fake, const torch::Tensor& eps);

// One D (critic) step on a real batch. G makes a fake batch of the same size from fresh noise; D learns on
// it detached. The fake batch (still attached to G) and D's real features are kept for G's step.
struct DiscriminatorStep {
    double loss = 0, acc_real = 0, acc_fake = 0, gradient_penalty = 0;
    torch::Tensor fake;           // [B, 5, S, P], attached to G's graph
    torch::Tensor real_features;  // D's first-conv output on the real batch, detached
};
DiscriminatorStep discriminator_step(GanNets& nets, torch::optim::Optimizer& d_optimizer, const torch::Tensor& real,
                                     const GanRule& rule);

// G's loss on the fake batch of the last D step, judged by the updated D: BCE against "real" (or -score for
// WGAN-GP), plus feature matching when it is on. `parts` gets (adversarial, feature matching) when given.
torch::Tensor generator_loss(GanNets& nets, const torch::Tensor& fake, const torch::Tensor& real,
                             const torch::Tensor& real_features, const GanRule& rule, double* adversarial = nullptr,
                             double* matching = nullptr);

struct GeneratorStep {
    double loss = 0;               // adversarial part
    double feature_matching = 0;
};
GeneratorStep generator_step(GanNets& nets, torch::optim::Optimizer& g_optimizer, const DiscriminatorStep& d,
                             const torch::Tensor& real, const GanRule& rule);

}  // namespace quintet
