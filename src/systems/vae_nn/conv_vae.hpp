#pragma once
// Per-instrument convolutional VAE on 32 x 128 piano-roll windows (SEED-SPEC section 6).
#include <torch/torch.h>

#include <string>

namespace quintet {

inline constexpr int kWindowSteps = 32;  // 16 beats at 2 steps per beat

// Gaussian: the original's learned-scalar-sigma likelihood (an MSE-type loss, constant omitted).
// Bernoulli: binary cross-entropy on logits; decode() then needs a sigmoid (reconstruct() applies it).
enum class Likelihood { Gaussian, Bernoulli };
const char* likelihood_name(Likelihood l);
Likelihood parse_likelihood(const std::string& name);  // throws UsageError

struct VaeLoss {
    torch::Tensor loss;            // -ELBO per window (mean over the batch), the value minimised
    torch::Tensor reconstruction;  // -log p(x|z) per window
    torch::Tensor kl;              // Monte-Carlo KL(q(z|x) || N(0, I)) per window
};

class ConvVaeImpl : public torch::nn::Module {
public:
    ConvVaeImpl(int latent, Likelihood likelihood);

    // x [B, 32, 128] in [0, 1] -> phi [B, K + 1]: K means then one shared log-sigma.
    torch::Tensor encode(const torch::Tensor& x);
    torch::Tensor means(const torch::Tensor& x);  // phi[:, :K], what generation uses
    // z [B, K] -> [B, 32, 128]: the Gaussian mean, or Bernoulli logits.
    torch::Tensor decode(const torch::Tensor& z);
    // z -> values in the data's scale (identity for Gaussian, sigmoid for Bernoulli).
    torch::Tensor reconstruct(const torch::Tensor& z);
    // The same maps through LibTorch's conv modules (encode/decode use GEMMs for batches of 8 or more).
    torch::Tensor encode_conv(const torch::Tensor& x);
    torch::Tensor decode_conv(const torch::Tensor& z);
    // Negative ELBO with one reparameterised sample, KL weight 1 (as the original).
    VaeLoss loss(const torch::Tensor& x);

    int latent() const { return latent_; }
    Likelihood likelihood() const { return likelihood_; }

private:
    int latent_;
    Likelihood likelihood_;
    torch::nn::Conv2d enc1_{nullptr}, enc2_{nullptr}, enc3_{nullptr};
    torch::nn::Linear enc_out_{nullptr}, dec_in_{nullptr};
    torch::nn::ConvTranspose2d dec1_{nullptr}, dec2_{nullptr}, dec3_{nullptr};
    torch::Tensor log_sig_x_;  // learned global observation log-sigma (Gaussian)
};
TORCH_MODULE(ConvVae);

}  // namespace quintet
