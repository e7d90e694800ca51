// The GEMM form of the stride = kernel convs (batches >= 8) against LibTorch's own conv modules
// (encode_conv / decode_conv, the oracle): same values forward, same gradients backward.
#include <gtest/gtest.h>

#include "systems/vae_nn/conv_vae.hpp"

namespace {

using quintet::ConvVae;
using quintet::Likelihood;

TEST(ConvVaeGemm, EncodeAndDecodeEqualTheConvModules) {
    torch::manual_seed(3);
    ConvVae vae(16, Likelihood::Gaussian);
    // Non-trivial biases too (LibTorch initialises them small but non-zero; make them larger).
    {
        torch::NoGradGuard g;
        for (auto& p : vae->named_parameters())
            if (p.key().find("bias") != std::string::npos) p.value().uniform_(-0.5, 0.5);
    }
    auto x = torch::rand({12, 32, 128});
    auto z = torch::randn({12, 16});
    auto enc = vae->encode(x), enc_ref = vae->encode_conv(x);
    auto dec = vae->decode(z), dec_ref = vae->decode_conv(z);
    ASSERT_EQ(enc.sizes(), enc_ref.sizes());
    ASSERT_EQ(dec.sizes(), dec_ref.sizes());
    EXPECT_TRUE(torch::allclose(enc, enc_ref, 1e-5, 1e-5)) << (enc - enc_ref).abs().max().item<float>();
    EXPECT_TRUE(torch::allclose(dec, dec_ref, 1e-5, 1e-5)) << (dec - dec_ref).abs().max().item<float>();
    // One hot cell: a patch layout that moved cells would encode it differently.
    auto one = torch::zeros({8, 32, 128});
    one.index_put_({3, 17, 101}, 1.0);
    EXPECT_TRUE(torch::allclose(vae->encode(one), vae->encode_conv(one), 1e-5, 1e-5));
}

TEST(ConvVaeGemm, GradientsEqualTheConvModules) {
    torch::manual_seed(4);
    ConvVae vae(8, Likelihood::Gaussian);
    auto x = torch::rand({10, 32, 128});
    auto loss_of = [&](bool gemm) {
        for (auto& p : vae->parameters()) p.mutable_grad() = torch::Tensor();
        auto phi = gemm ? vae->encode(x) : vae->encode_conv(x);
        auto z = phi.narrow(1, 0, 8);
        auto out = gemm ? vae->decode(z) : vae->decode_conv(z);
        (out - x).pow(2).sum().backward();
        std::vector<torch::Tensor> grads;
        for (auto& p : vae->parameters())
            if (p.grad().defined()) grads.push_back(p.grad().clone());
        return grads;
    };
    auto a = loss_of(true), b = loss_of(false);
    ASSERT_EQ(a.size(), b.size());
    ASSERT_GE(a.size(), 16u);  // weight and bias of the 8 layers
    for (std::size_t i = 0; i < a.size(); ++i)
        EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-3, 1e-3)) << "parameter " << i << ": "
                                                           << (a[i] - b[i]).abs().max().item<float>();
}

TEST(ConvVaeGemm, SmallBatchesUseTheConvModules) {
    ConvVae vae(16, Likelihood::Gaussian);
    auto x = torch::rand({1, 32, 128});
    EXPECT_TRUE(torch::equal(vae->encode(x), vae->encode_conv(x)));
}

}  // namespace
