#pragma once
// Generation-only evaluation of a VAE-NN on the CPU (the loop of SEED-SPEC section 9 runs batch 1).
// The weights are re-laid out once into the order each loop reads them; a step allocates nothing. The conv
// stacks run on nn/block_codec (the CNN system's nets share them), which skips the empty patches and regions
// of the fed-back blocks and the zero inputs after every ReLU: exact shortcuts, not approximations.
// Same values as ConvVae's conv modules up to float rounding (tests/models/vae_nn_inference_test.cpp).
#include <torch/torch.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nn/block_codec.hpp"
#include "systems/vae_nn/model.hpp"

namespace quintet {

// A parameter by its name in VaeNnModel::named_parameters() ("vae_piano.enc1.weight", "net_guitar.net.0.bias");
// an undefined tensor when there is none. The tensors need only live while the constructor runs (it copies
// what it keeps), so they may view a mapped file.
using ParameterSource = std::function<torch::Tensor(const std::string& name)>;

class VaeNnInference {
public:
    // Copies and re-lays out the weights (CPU float32 copies; the source may live on any device). Shapes are
    // checked: FormatError naming `origin` when one does not fit the architecture.
    // residual_nets: the latent nets add their output to the previous latent (models/latent_nets.hpp).
    VaeNnInference(int latent, Likelihood likelihood, bool residual_nets, const ParameterSource& source,
                   const std::string& origin);
    explicit VaeNnInference(VaeNnModelImpl& model);

    int latent() const { return latent_; }

    // One instrument: block [32 * 128] values in [0, 1] (row-major steps x pitches) -> mean [K].
    void encode_mean(int instrument, const float* block, float* mean) const;
    // One instrument: latent [K] -> block [32 * 128], in the data's scale (sigmoid for Bernoulli).
    void reconstruct(int instrument, const float* z, float* block) const;
    // For reconstruct_above: the smallest decoder output (logit) whose sigmoid reaches `threshold`, so that
    // `logit >= cut` decides exactly what `reconstruct(...) >= threshold` would; unset for a Gaussian model, a
    // threshold <= 0, or when the sigmoid's float rounding could not be shown monotone around the cut.
    std::optional<float> logit_cut(float threshold) const;
    // reconstruct(), except that the values below the cut's threshold come out as 0: exactly the cells that
    // generation's threshold silences anyway, so the sigmoid is taken only where a note can be (~4096 expf calls
    // per block otherwise). Without a cut, plain reconstruct().
    void reconstruct_above(int instrument, const float* z, const std::optional<float>& cut, float* block) const;
    // latents [5 * K] -> next latents [5 * K] (melody net, conditional nets; dropout off as in eval());
    // noise [5 * K] or null, added as VaeNnModel::predict_next adds it.
    void predict_next(const float* latents, const float* noise, float* next) const;

    // Tensor forms of the same (CPU float): blocks [5, 32, 128] -> means [1, 5, K]; latents [1, 5, K] ->
    // next [1, 5, K]; latents [1, 5, K] -> blocks [5, 32, 128].
    torch::Tensor encode_means(const torch::Tensor& blocks) const;
    torch::Tensor predict_next(const torch::Tensor& latents, const torch::Tensor& noise = {}) const;
    torch::Tensor reconstruct(const torch::Tensor& latents) const;

private:
    // Packed weights (CPU float tensors; layouts in the constructor).
    struct Vae {
        BlockEncoder encoder;      // enc1..enc3 (nn/block_codec)
        BlockDecoder decoder;      // dec1..dec3
        torch::Tensor wout, bout;  // enc_out, means only: [256][K], [K]
        torch::Tensor wdin, bdin;  // dec_in [K][256], [256]
    };
    struct Mlp {  // Linear layers with ReLU between them: weights [in][out]
        std::vector<torch::Tensor> w, b;
        std::vector<int> in, out;
    };
    void run_mlp(const Mlp& mlp, const float* x, float* y) const;

    int latent_;
    bool bernoulli_;
    bool residual_nets_;
    std::vector<Vae> vaes_;
    Mlp melody_;
    std::vector<Mlp> conditional_;  // instruments 1..4
};

}  // namespace quintet
