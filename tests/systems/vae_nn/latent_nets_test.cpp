#include <gtest/gtest.h>

#include "systems/vae_nn/latent_nets.hpp"
#include "systems/vae_nn/model.hpp"

using namespace quintet;

namespace {

// Zeroes the last layer of a net, so its MLP outputs exactly zero whatever the input.
void zero_last_layer(torch::nn::Module& net) {
    torch::NoGradGuard g;
    auto params = net.named_parameters();
    std::string last_weight, last_bias;
    for (const auto& p : params) (p.key().find("weight") != std::string::npos ? last_weight : last_bias) = p.key();
    params[last_weight].zero_();
    params[last_bias].zero_();
}

}  // namespace

TEST(LatentNets, ResidualNetsAddTheChangeToThePreviousLatent) {
    torch::manual_seed(4);
    LatentMelodyNet direct(6, false), residual(6, true);
    LatentConditionalNet cdirect(6, false), cresidual(6, true);
    for (torch::nn::Module* m : {static_cast<torch::nn::Module*>(direct.get()), static_cast<torch::nn::Module*>(residual.get()),
                                 static_cast<torch::nn::Module*>(cdirect.get()), static_cast<torch::nn::Module*>(cresidual.get())}) {
        zero_last_layer(*m);
        m->eval();
    }
    auto z = torch::randn({3, 6}), w = torch::randn({3, 6});
    // A zero MLP: the direct nets predict 0, the residual ones repeat the previous latent (own latent w for
    // the conditional nets, not the piano latent they are given).
    EXPECT_TRUE(torch::equal(direct->forward(z), torch::zeros({3, 6})));
    EXPECT_TRUE(torch::equal(residual->forward(z), z));
    EXPECT_TRUE(torch::equal(cdirect->forward(w, z), torch::zeros({3, 6})));
    EXPECT_TRUE(torch::equal(cresidual->forward(w, z), w));
    // Same parameters either way (the flag changes the function, not the checkpoint layout).
    EXPECT_EQ(direct->parameters().size(), residual->parameters().size());
}

TEST(LatentNets, ResidualOutputIsInputPlusTheDirectOutput) {
    torch::manual_seed(5);
    LatentConditionalNet a(4, false), b(4, true);
    {
        torch::NoGradGuard g;
        auto pa = a->named_parameters();
        for (auto& p : b->named_parameters()) p.value().copy_(pa[p.key()]);
    }
    auto w = torch::randn({2, 4}), z = torch::randn({2, 4});
    EXPECT_TRUE(torch::allclose(b->forward(w, z), w + a->forward(w, z)));
    VaeNnModel model(4, Likelihood::Bernoulli, true);
    EXPECT_TRUE(model->residual_nets());
}
