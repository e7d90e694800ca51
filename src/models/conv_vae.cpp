#include "models/conv_vae.hpp"

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

torch::Tensor ConvVaeImpl::encode(const torch::Tensor& x) {
    auto h = x.reshape({-1, 1, kWindowSteps, 128});
    h = torch::relu(enc1_->forward(h));
    h = torch::relu(enc2_->forward(h));
    h = torch::relu(enc3_->forward(h));
    return enc_out_->forward(h.flatten(1));
}

torch::Tensor ConvVaeImpl::means(const torch::Tensor& x) { return encode(x).narrow(1, 0, latent_); }

torch::Tensor ConvVaeImpl::decode(const torch::Tensor& z) {
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
