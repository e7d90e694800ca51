#pragma once
// The whole VAE-NN system as one module: five ConvVaes, the melody net and four conditional nets.
// Saving this module saves everything generation needs.
#include <torch/torch.h>

#include <array>
#include <vector>

#include "systems/vae_nn/conv_vae.hpp"
#include "represent/windows.hpp"
#include "systems/vae_nn/latent_nets.hpp"

namespace quintet {

// Instrument order inside the VAE-NN (the original's tensor axis 0): Piano, Guitar, Bass, Strings, Drums.
inline constexpr int kVaeInstruments = 5;
inline constexpr int kPianoIndex = 0;
// LPD-5 family index (0 Drums, 1 Piano, 2 Guitar, 3 Bass, 4 Strings) of each VAE-NN instrument.
inline constexpr std::array<int, kVaeInstruments> kVaeInstrumentFamily = {1, 2, 3, 4, 0};
inline constexpr std::array<const char*, kVaeInstruments> kVaeInstrumentName = {"piano", "guitar", "bass", "strings",
                                                                                "drums"};
inline constexpr int kVaeResolution = 2;  // steps per beat

// The windows the VAE-NN sees (SEED-SPEC 1.2): 2 steps per beat, 32 steps, no overlap, VAE-NN order, all pitches.
inline WindowSpec vae_window_spec() { return WindowSpec{kVaeResolution, kWindowSteps, kWindowSteps, {1, 2, 3, 4, 0}, 0, kPitches}; }

// The VAE-NN windows of a song as a tensor [n, 5, 32, 128] uint8 that owns its memory.
torch::Tensor vae_windows(const Multitrack& song);

class VaeNnModelImpl : public torch::nn::Module {
public:
    VaeNnModelImpl(int latent, Likelihood likelihood, bool residual_nets = false);

    int latent() const { return latent_; }
    bool residual_nets() const { return residual_nets_; }
    Likelihood likelihood() const { return likelihood_; }
    ConvVae& vae(int instrument) { return vaes_[instrument]; }
    LatentMelodyNet& melody() { return melody_; }
    // Conditional net of instrument 1..4 (Guitar, Bass, Strings, Drums).
    LatentConditionalNet& conditional(int instrument) { return conditional_[instrument - 1]; }

    std::vector<torch::Tensor> vae_parameters();
    std::vector<torch::Tensor> net_parameters();

    // rolls [B, 5, 32, 128] in [0, 1] -> latent means [B, 5, K].
    torch::Tensor encode_means(const torch::Tensor& rolls);
    // latents [B, 5, K] -> next latents [B, 5, K]: melody net for piano, conditional nets (given the
    // predicted piano latent, plus noise on it when noise_sd > 0) for the others. noise may be undefined.
    torch::Tensor predict_next(const torch::Tensor& latents, const torch::Tensor& noise = {});

private:
    int latent_;
    Likelihood likelihood_;
    bool residual_nets_;
    std::vector<ConvVae> vaes_;
    LatentMelodyNet melody_{nullptr};
    std::vector<LatentConditionalNet> conditional_;
};
TORCH_MODULE(VaeNnModel);

// Copies every parameter and buffer of `from` into `to` (same architecture).
void copy_weights(torch::nn::Module& from, torch::nn::Module& to);

}  // namespace quintet
