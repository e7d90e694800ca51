#pragma once
// The DCGAN's two networks (SEED-SPEC 11.2-11.4) for any GanShape, their initialisation, their checkpoints,
// and what a run directory says about them.
//   G: z [B, noise] -> ConvT x 5 (each doubling the time axis, BN + PReLU) -> ConvT over all pitches -> sigmoid
//   D: block [B, 5, S, P] -> Conv over all pitches, then 4 convs halving time (BN + PReLU, dropout 0.5) -> logit
// With --shared-norm every layer of a network reuses one BatchNorm and one PReLU, as the original code did.
// A WGAN-GP critic has no batch norm and no dropout: the gradient penalty is per sample, which batch
// statistics would mix (Gulrajani et al. 2017, section 4), and a random critic would make it noisy.
#include <torch/torch.h>

#include <filesystem>
#include <vector>

#include "nn/checkpoint.hpp"
#include "systems/gan/options.hpp"

namespace quintet {

inline constexpr int kGanChannels = 5;           // LPD-5 families, Drums first
inline constexpr int kGanGeneratorWidth = 64;    // G's feature maps
inline constexpr int kGanDiscriminatorWidth = 16;  // D's feature maps

struct GanNetSettings {
    GanShape shape;
    int noise_dim = 100;
    bool shared_norm = false;
    bool critic = false;  // WGAN-GP: no batch norm, no dropout in D
};

class GanGeneratorImpl : public torch::nn::Module {
public:
    explicit GanGeneratorImpl(const GanNetSettings& s);
    // [B, noise] -> probabilities [B, 5, steps, pitches]. Every layer's stride equals its kernel along time and
    // its kernel spans all its width, so each is one matrix product: computed so, channels last, on the modules'
    // own weights (2-3x faster on the CPU than the transposed-conv kernels; bench/gan, docs/BENCHMARKS.md).
    torch::Tensor forward(const torch::Tensor& z);
    torch::Tensor forward_modules(const torch::Tensor& z);  // the same through the conv modules (the tests' oracle)
    int noise_dim() const { return noise_dim_; }

private:
    int noise_dim_;
    std::vector<torch::nn::ConvTranspose2d> layers_;  // 6
    std::vector<torch::nn::BatchNorm2d> norms_;       // 5 (one module five times when shared)
    std::vector<torch::nn::PReLU> activations_;       // 5 (likewise)
};
TORCH_MODULE(GanGenerator);

struct DiscriminatorOutput {
    torch::Tensor logit;     // [B] (a critic's score for WGAN-GP)
    torch::Tensor features;  // [B, 16, steps / 2, 1]: the first conv layer's output, for feature matching
};

class GanDiscriminatorImpl : public torch::nn::Module {
public:
    explicit GanDiscriminatorImpl(const GanNetSettings& s);
    DiscriminatorOutput forward(const torch::Tensor& blocks);          // as matrix products (see G)
    DiscriminatorOutput forward_modules(const torch::Tensor& blocks);  // through the conv modules (oracle)

private:
    std::vector<torch::nn::Conv2d> layers_;       // 5
    std::vector<torch::nn::BatchNorm2d> norms_;   // 5, none for a critic
    std::vector<torch::nn::PReLU> activations_;   // 5
    torch::nn::Dropout dropout_{nullptr};         // none for a critic
    torch::nn::Linear out_{nullptr};
};
TORCH_MODULE(GanDiscriminator);

// SEED-SPEC 11.4: conv and transposed-conv weights ~ N(0, 0.02); batch-norm weights ~ N(1, 0.02), biases 0.
void init_gan_weights(torch::nn::Module& net);

struct GanNets {
    GanNetSettings settings;
    GanGenerator generator;
    GanDiscriminator discriminator;
    explicit GanNets(const GanNetSettings& s);  // initialised (init_gan_weights) from torch's generator
};

// model.pt: header (kind, shape, noise, shared norm, critic) + both networks; last.pt adds both optimisers.
CheckpointLayout gan_layout(GanNets& nets, torch::optim::Optimizer* g_optimizer = nullptr,
                            torch::optim::Optimizer* d_optimizer = nullptr);

// What config.json of a GAN run says about its networks. UsageError/FormatError when the run is missing,
// of another system, or lacks the keys.
struct GanRunInfo {
    GanNetSettings nets;
    std::string loss;
    std::filesystem::path corpus;
    std::uint64_t seed = 1;  // the training seed: its fixed noise calibrates generation (calibration.hpp)
};
inline constexpr const char* kGanKind = "gan";
GanRunInfo read_gan_run(const std::filesystem::path& run_dir);

}  // namespace quintet
