#include "systems/vae_nn/conv_vae.hpp"

#include "util/error.hpp"

namespace quintet {

namespace nn = torch::nn;

const char* likelihood_name(Likelihood l) { return l == Likelihood::Gaussian ? "gaussian" : "bernoulli"; }

Likelihood parse_likelihood(const std::string& name) {
    if (name == "gaussian") return Likelihood::Gaussian;
    if (name == "bernoulli") return Likelihood::Bernoulli;
    throw UsageError("likelihood '" + name + "': expected gaussian or bernoulli");
}

ConvVaeImpl::ConvVaeImpl(int latent, Likelihood likelihood) : latent_(latent), likelihood_(likelihood) {
    if (latent <= 0) throw UsageError("latent size must be positive, got " + std::to_string(latent));
    // Encoder: 32x128 -> 8x32 -> 2x8 -> 1x1 with non-overlapping kernels (no padding, as the original).
    enc1_ = register_module("enc1", nn::Conv2d(nn::Conv2dOptions(1, 64, 4).stride(4)));
    enc2_ = register_module("enc2", nn::Conv2d(nn::Conv2dOptions(64, 128, 4).stride(4)));
    enc3_ = register_module("enc3", nn::Conv2d(nn::Conv2dOptions(128, 256, {2, 8}).stride({2, 8})));
    enc_out_ = register_module("enc_out", nn::Linear(256, latent + 1));
    dec_in_ = register_module("dec_in", nn::Linear(latent, 256));
    dec1_ = register_module("dec1", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(256, 128, {2, 8}).stride({2, 8})));
    dec2_ = register_module("dec2", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(128, 64, 4).stride(4)));
    dec3_ = register_module("dec3", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(64, 1, 4).stride(4)));
    log_sig_x_ = register_parameter("log_sig_x", torch::zeros({}));
}

// Every conv has stride = kernel (non-overlapping patches), so each is exactly one GEMM on a reshaped
// tensor. For batches of windows that GEMM form trains 1.7x faster than LibTorch's conv kernels here
// (docs/BENCHMARKS.md, "VAE-NN vs PyTorch"); activations stay channels-last between layers and the
// (small) weights are re-laid out instead. Single windows (generation) keep the conv kernels: there the
// per-call weight re-layout would cost more than it saves. Same parameters either way.
namespace {
constexpr std::int64_t kGemmMinBatch = 8;
}

torch::Tensor ConvVaeImpl::encode(const torch::Tensor& x) {
    const std::int64_t b = x.numel() / (kWindowSteps * 128);
    if (b < kGemmMinBatch) return encode_conv(x);
    // enc1: 4x4 patches of the 32x128 window; rows (b, i1, j1), columns (ki, kj).
    auto h = x.reshape({b, 8, 4, 32, 4}).permute({0, 1, 3, 2, 4}).reshape({b * 256, 16});
    h = torch::relu(torch::addmm(enc1_->bias, h, enc1_->weight.reshape({64, 16}).t()));
    // enc2: rows (b, i2, j2), columns (ki, kj, c); the weight (o, c, ki, kj) is permuted to match.
    h = h.reshape({b, 2, 4, 8, 4, 64}).permute({0, 1, 3, 2, 4, 5}).reshape({b * 16, 1024});
    h = torch::relu(torch::addmm(enc2_->bias, h, enc2_->weight.permute({0, 2, 3, 1}).reshape({128, 1024}).t()));
    // enc3: the whole 2x8x128 map is one patch; columns (i, j, c).
    h = torch::relu(torch::addmm(enc3_->bias, h.reshape({b, 2048}),
                                 enc3_->weight.permute({0, 2, 3, 1}).reshape({256, 2048}).t()));
    return enc_out_->forward(h);
}

torch::Tensor ConvVaeImpl::encode_conv(const torch::Tensor& x) {
    auto h = x.reshape({-1, 1, kWindowSteps, 128});
    h = torch::relu(enc1_->forward(h));
    h = torch::relu(enc2_->forward(h));
    h = torch::relu(enc3_->forward(h));
    return enc_out_->forward(h.flatten(1));
}

torch::Tensor ConvVaeImpl::means(const torch::Tensor& x) { return encode(x).narrow(1, 0, latent_); }

torch::Tensor ConvVaeImpl::decode(const torch::Tensor& z) {
    const std::int64_t b = z.numel() / latent_;
    if (b < kGemmMinBatch) return decode_conv(z);
    auto h = torch::relu(dec_in_->forward(z.reshape({b, latent_})));  // [b, 256]
    // A transposed conv with stride = kernel writes one kernel-sized patch per input position:
    // out(position, (ki, kj, o)) = in(position, c) x W(c, o, ki, kj). Columns ordered (ki, kj, o) keep the
    // output channels-last, which is the next layer's row layout.
    h = torch::relu(torch::addmm(dec1_->bias.repeat({16}), h, dec1_->weight.permute({0, 2, 3, 1}).reshape({256, 2048})));
    h = torch::relu(torch::addmm(dec2_->bias.repeat({16}), h.reshape({b * 16, 128}),
                                 dec2_->weight.permute({0, 2, 3, 1}).reshape({128, 1024})));
    h = torch::addmm(dec3_->bias, h.reshape({b * 256, 64}), dec3_->weight.reshape({64, 16}));
    // Rows (b, i, j, ki, kj), columns (ki2, kj2) -> window row 16i + 4ki + ki2, column 16j + 4kj + kj2.
    return h.reshape({b, 2, 8, 4, 4, 4, 4}).permute({0, 1, 3, 5, 2, 4, 6}).reshape({b, kWindowSteps, 128});
}

torch::Tensor ConvVaeImpl::decode_conv(const torch::Tensor& z) {
    auto h = torch::relu(dec_in_->forward(z.reshape({-1, latent_}))).view({-1, 256, 1, 1});
    h = torch::relu(dec1_->forward(h));
    h = torch::relu(dec2_->forward(h));
    return dec3_->forward(h).view({-1, kWindowSteps, 128});
}

torch::Tensor ConvVaeImpl::reconstruct(const torch::Tensor& z) {
    auto out = decode(z);
    return likelihood_ == Likelihood::Bernoulli ? torch::sigmoid(out) : out;
}

VaeLoss ConvVaeImpl::loss(const torch::Tensor& x) {
    auto phi = encode(x);
    auto mu = phi.narrow(1, 0, latent_);
    auto log_sig = phi.narrow(1, latent_, 1);  // one shared sigma per sample (isotropic posterior)
    auto sig = torch::exp(log_sig);
    auto z = mu + sig * torch::randn_like(mu);
    auto out = decode(z).flatten(1);
    auto target = x.reshape({-1, kWindowSteps * 128});

    torch::Tensor nll;  // -log p(x|z), summed over the 4096 cells
    if (likelihood_ == Likelihood::Gaussian) {
        // -log N(x; out, sig_x^2) without the 0.5*log(2*pi) constant, as the original.
        auto sq = (target - out).pow(2) / (2 * torch::exp(2 * log_sig_x_));
        nll = (sq + log_sig_x_).sum(-1);
    } else {
        nll = torch::binary_cross_entropy_with_logits(out, target, {}, {}, at::Reduction::None).sum(-1);
    }
    // Monte-Carlo KL from the drawn sample: log q(z|x) - log p(z), summed over K.
    auto log_q = (-0.5 * ((z - mu) / sig).pow(2) - log_sig).sum(-1);
    auto log_p = (-0.5 * z.pow(2)).sum(-1);
    auto kl = log_q - log_p;
    VaeLoss r;
    r.reconstruction = nll.mean();
    r.kl = kl.mean();
    r.loss = r.reconstruction + r.kl;
    return r;
}

}  // namespace quintet
