#pragma once
// MelodyCNN and the conditional HarmonyCNN (SEED-SPEC sections 4 and 5), and the band of five that the
// system trains: one melody net for the piano, one harmony net each for guitar, bass, strings and drums.
//
// Encoder (per input):  Conv(1->64, k4 s4) BN ReLU Dropout(0.4) -> Conv(64->128, k4 s4) BN ReLU Dropout(0.4)
//                       -> Conv(128->256, k(2,8) s(2,8)) BN ReLU                          [B, 256]
// MelodyCNN:   encoder -> Linear(256->256) ReLU -> Linear(256->64) -> Linear(64->256) ReLU -> decoder
// HarmonyCNN:  cat(encoder(own block t), encoder(piano block t+1)) -> Linear(512->256) ReLU
//              -> Linear(256->64) -> Linear(64->256) ReLU -> decoder
// Decoder:     ConvT(256->128, k(2,8) s(2,8)) BN ReLU -> ConvT(128->64, k4 s4) BN ReLU -> ConvT(64->1, k4 s4)
//              -> output: logits (BCE on their sigmoid, the default) or ReLU (the original; MSE)
// The original shares one encoder (weights and BatchNorm) between the harmony net's two inputs; the
// article says each input has its own: `separate` gives each input an encoder.
//
// Every conv has stride = kernel, so each layer is one GEMM on a channels-last tensor (as the VAE-NN's conv
// VAE); the modules keep the original's parameter shapes and serve as the oracle in the tests.
#include <torch/torch.h>

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "represent/windows.hpp"

namespace quintet {

// Channel order inside the system (the original's tensor axis 0): Piano, Guitar, Bass, Strings, Drums.
inline constexpr int kCnnInstruments = 5;
inline constexpr std::array<const char*, kCnnInstruments> kCnnInstrumentName = {"piano", "guitar", "bass", "strings",
                                                                                "drums"};
inline constexpr int kCnnResolution = 2;  // steps per beat
inline constexpr int kCnnSteps = 32;      // steps per block (16 beats)
inline constexpr int kCnnLatent = 64;     // the original's latent_size
inline constexpr double kCnnDropout = 0.4;
// Generation binarises every block it keeps: notes at 0.8 (velocity 101, as the VAE-NN's output).
inline constexpr float kCnnNoteValue = 0.8f;

// 32-step windows at 2 steps per beat, all 128 pitches, in the order above (LPD-5 families 1, 2, 3, 4, 0).
inline WindowSpec cnn_window_spec() { return WindowSpec{kCnnResolution, kCnnSteps, kCnnSteps, {1, 2, 3, 4, 0}, 0, kPitches}; }

enum class CnnOutput { Sigmoid, Relu };  // BCE on sigmoid(logits) (default) / the original's ReLU output with MSE
enum class HarmonyEncoders { Shared, Separate };
CnnOutput parse_cnn_output(const std::string& loss);             // "bce" / "mse"
HarmonyEncoders parse_harmony_encoders(const std::string& name);  // "shared" / "separate"

// Monte-Carlo dropout at generation: a keep-mask per dropout layer, drawn by the caller (nn/sampling).
// Given a tensor's shape, returns 0/1 keep values of that shape (CPU float).
using DropoutMasks = std::function<torch::Tensor(at::IntArrayRef shape)>;

class CnnEncoderImpl : public torch::nn::Module {
public:
    CnnEncoderImpl();
    // x [B, 32, 128] -> [B, 256]. In training mode dropout uses torch's generator; in eval mode `masks`
    // (when given) supplies keep-masks with drop probability `mask_p` (Monte-Carlo dropout).
    torch::Tensor forward(const torch::Tensor& x, const DropoutMasks* masks = nullptr, double mask_p = 0);
    torch::Tensor forward_modules(const torch::Tensor& x);  // the same through the conv modules (oracle)

    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
};
TORCH_MODULE(CnnEncoder);

class CnnDecoderImpl : public torch::nn::Module {
public:
    CnnDecoderImpl();
    // h [B, 256] (after the last dense layer's ReLU) -> raw output [B, 32, 128] (logits, or before the ReLU).
    torch::Tensor forward(const torch::Tensor& h);
    torch::Tensor forward_modules(const torch::Tensor& h);

    torch::nn::ConvTranspose2d deconv1{nullptr}, deconv2{nullptr}, deconv3{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
};
TORCH_MODULE(CnnDecoder);

// The dense bottleneck: Linear(in->256) ReLU Linear(256->64) = latent, Linear(64->256) ReLU.
class CnnBottleneckImpl : public torch::nn::Module {
public:
    explicit CnnBottleneckImpl(int in);
    torch::Tensor forward(const torch::Tensor& features);  // [B, in] -> [B, 256]
    torch::nn::Linear enc_lin1{nullptr}, enc_lin2{nullptr}, dec_lin{nullptr};
};
TORCH_MODULE(CnnBottleneck);

class MelodyCnnImpl : public torch::nn::Module {
public:
    MelodyCnnImpl();
    // piano block t [B, 32, 128] -> raw piano block t+1 [B, 32, 128] (see CnnOutput).
    torch::Tensor forward(const torch::Tensor& piano, const DropoutMasks* masks = nullptr, double mask_p = 0);
    torch::Tensor forward_modules(const torch::Tensor& piano);
    CnnEncoder encoder{nullptr};
    CnnBottleneck bottleneck{nullptr};
    CnnDecoder decoder{nullptr};
};
TORCH_MODULE(MelodyCnn);

class HarmonyCnnImpl : public torch::nn::Module {
public:
    explicit HarmonyCnnImpl(HarmonyEncoders encoders);
    // (own block t, piano block t+1), each [B, 32, 128] -> raw own block t+1 [B, 32, 128].
    torch::Tensor forward(const torch::Tensor& own, const torch::Tensor& piano, const DropoutMasks* masks = nullptr,
                          double mask_p = 0);
    torch::Tensor forward_modules(const torch::Tensor& own, const torch::Tensor& piano);
    HarmonyEncoders encoders() const { return encoders_; }
    CnnEncoder own_encoder{nullptr}, piano_encoder{nullptr};  // the same module when shared
    CnnBottleneck bottleneck{nullptr};
    CnnDecoder decoder{nullptr};

private:
    HarmonyEncoders encoders_;
};
TORCH_MODULE(HarmonyCnn);

// The five nets as one module (saving it saves everything generation needs).
class CnnBandImpl : public torch::nn::Module {
public:
    CnnBandImpl(HarmonyEncoders encoders, CnnOutput output);
    HarmonyEncoders encoders() const { return encoders_; }
    CnnOutput output() const { return output_; }
    MelodyCnn& melody() { return melody_; }
    HarmonyCnn& harmony(int instrument) { return harmony_[std::size_t(instrument - 1)]; }  // 1..4
    // Raw outputs of net i (0 = melody) -> the values the thresholds apply to: sigmoid or ReLU.
    torch::Tensor activate(const torch::Tensor& raw) const;
    // The loss of one net per window (summed over the 4096 cells, mean over the batch): BCE with logits
    // against the /127 targets, or MSE of the ReLU output.
    torch::Tensor loss(const torch::Tensor& raw, const torch::Tensor& target) const;
    // blocks t and t+1 [B, 5, 32, 128] in [0, 1] -> per-net losses [5] (teacher forcing: the harmony nets
    // see the true piano block t+1).
    torch::Tensor pair_losses(const torch::Tensor& now, const torch::Tensor& next);
    // block t [B, 5, 32, 128] -> activated predictions of block t+1 given the true piano block t+1 (`next`),
    // as pair_losses sees them: [B, 5, 32, 128].
    torch::Tensor predict_teacher_forced(const torch::Tensor& now, const torch::Tensor& next);

private:
    HarmonyEncoders encoders_;
    CnnOutput output_;
    MelodyCnn melody_{nullptr};
    std::vector<HarmonyCnn> harmony_;
};
TORCH_MODULE(CnnBand);

std::int64_t parameter_count(torch::nn::Module& module);

}  // namespace quintet
