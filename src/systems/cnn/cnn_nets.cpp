#include "systems/cnn/cnn_nets.hpp"

#include "util/error.hpp"

namespace quintet {

namespace nn = torch::nn;

CnnOutput parse_cnn_output(const std::string& loss) {
    if (loss == "bce") return CnnOutput::Sigmoid;
    if (loss == "mse") return CnnOutput::Relu;
    throw UsageError("--loss '" + loss + "': expected bce or mse");
}

HarmonyEncoders parse_harmony_encoders(const std::string& name) {
    if (name == "shared") return HarmonyEncoders::Shared;
    if (name == "separate") return HarmonyEncoders::Separate;
    throw UsageError("--harmony-encoders '" + name + "': expected shared or separate");
}

namespace {

// BatchNorm2d over a channels-last [rows, C] tensor: the same statistics (per channel over batch and
// positions) and the same running-average update as the module.
torch::Tensor batch_norm_rows(const torch::Tensor& x, nn::BatchNorm2d& bn, bool training) {
    return torch::batch_norm(x, bn->weight, bn->bias, bn->running_mean, bn->running_var, training,
                             bn->options.momentum().value_or(0.1), bn->options.eps(), false);
}

torch::Tensor dropout(const torch::Tensor& h, bool training, const DropoutMasks* masks, double mask_p) {
    if (training) return torch::dropout(h, kCnnDropout, true);
    if (masks && mask_p > 0) return h * (*masks)(h.sizes()).to(h.device()) / (1 - mask_p);
    return h;
}

}  // namespace

CnnEncoderImpl::CnnEncoderImpl() {
    conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(1, 64, 4).stride(4)));
    bn1 = register_module("bn1", nn::BatchNorm2d(64));
    conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(64, 128, 4).stride(4)));
    bn2 = register_module("bn2", nn::BatchNorm2d(128));
    conv3 = register_module("conv3", nn::Conv2d(nn::Conv2dOptions(128, 256, {2, 8}).stride({2, 8})));
    bn3 = register_module("bn3", nn::BatchNorm2d(256));
}

torch::Tensor CnnEncoderImpl::forward(const torch::Tensor& x, const DropoutMasks* masks, double mask_p) {
    const bool training = is_training();
    const std::int64_t b = x.numel() / (kCnnSteps * kPitches);
    // conv1: 4x4 patches of the 32x128 window; rows (b, i1, j1), columns (ki, kj).
    auto h = x.reshape({b, 8, 4, 32, 4}).permute({0, 1, 3, 2, 4}).reshape({b * 256, 16});
    h = torch::addmm(conv1->bias, h, conv1->weight.reshape({64, 16}).t());
    h = dropout(torch::relu(batch_norm_rows(h, bn1, training)), training, masks, mask_p);
    // conv2: rows (b, i2, j2), columns (ki, kj, c); the weight (o, c, ki, kj) is permuted to match.
    h = h.reshape({b, 2, 4, 8, 4, 64}).permute({0, 1, 3, 2, 4, 5}).reshape({b * 16, 1024});
    h = torch::addmm(conv2->bias, h, conv2->weight.permute({0, 2, 3, 1}).reshape({128, 1024}).t());
    h = dropout(torch::relu(batch_norm_rows(h, bn2, training)), training, masks, mask_p);
    // conv3: the whole 2x8x128 map is one patch; columns (i, j, c).
    h = torch::addmm(conv3->bias, h.reshape({b, 2048}), conv3->weight.permute({0, 2, 3, 1}).reshape({256, 2048}).t());
    return torch::relu(batch_norm_rows(h, bn3, training));
}

torch::Tensor CnnEncoderImpl::forward_modules(const torch::Tensor& x) {
    auto h = x.reshape({-1, 1, kCnnSteps, kPitches});
    h = torch::dropout(torch::relu(bn1->forward(conv1->forward(h))), kCnnDropout, is_training());
    h = torch::dropout(torch::relu(bn2->forward(conv2->forward(h))), kCnnDropout, is_training());
    return torch::relu(bn3->forward(conv3->forward(h))).flatten(1);
}

CnnDecoderImpl::CnnDecoderImpl() {
    deconv1 = register_module("deconv1", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(256, 128, {2, 8}).stride({2, 8})));
    bn1 = register_module("bn1", nn::BatchNorm2d(128));
    deconv2 = register_module("deconv2", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(128, 64, 4).stride(4)));
    bn2 = register_module("bn2", nn::BatchNorm2d(64));
    deconv3 = register_module("deconv3", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(64, 1, 4).stride(4)));
}

torch::Tensor CnnDecoderImpl::forward(const torch::Tensor& h_in) {
    const bool training = is_training();
    const std::int64_t b = h_in.size(0);
    // A transposed conv with stride = kernel writes one kernel-sized patch per input position:
    // out(position, (ki, kj, o)) = in(position, c) x W(c, o, ki, kj); channels-last rows for the next layer.
    auto h = torch::addmm(deconv1->bias.repeat({16}), h_in, deconv1->weight.permute({0, 2, 3, 1}).reshape({256, 2048}));
    h = torch::relu(batch_norm_rows(h.reshape({b * 16, 128}), bn1, training));
    h = torch::addmm(deconv2->bias.repeat({16}), h, deconv2->weight.permute({0, 2, 3, 1}).reshape({128, 1024}));
    h = torch::relu(batch_norm_rows(h.reshape({b * 256, 64}), bn2, training));
    h = torch::addmm(deconv3->bias, h, deconv3->weight.reshape({64, 16}));
    // Rows (b, i, j, ki, kj), columns (ki2, kj2) -> window row 16i + 4ki + ki2, column 16j + 4kj + kj2.
    return h.reshape({b, 2, 8, 4, 4, 4, 4}).permute({0, 1, 3, 5, 2, 4, 6}).reshape({b, kCnnSteps, kPitches});
}

torch::Tensor CnnDecoderImpl::forward_modules(const torch::Tensor& h_in) {
    auto h = h_in.view({-1, 256, 1, 1});
    h = torch::relu(bn1->forward(deconv1->forward(h)));
    h = torch::relu(bn2->forward(deconv2->forward(h)));
    return deconv3->forward(h).view({-1, kCnnSteps, kPitches});
}

CnnBottleneckImpl::CnnBottleneckImpl(int in) {
    enc_lin1 = register_module("enc_lin1", nn::Linear(in, 256));
    enc_lin2 = register_module("enc_lin2", nn::Linear(256, kCnnLatent));
    dec_lin = register_module("dec_lin", nn::Linear(kCnnLatent, 256));
}

torch::Tensor CnnBottleneckImpl::forward(const torch::Tensor& features) {
    auto latent = enc_lin2->forward(torch::relu(enc_lin1->forward(features)));
    return torch::relu(dec_lin->forward(latent));
}

MelodyCnnImpl::MelodyCnnImpl() {
    encoder = register_module("encoder", CnnEncoder());
    bottleneck = register_module("bottleneck", CnnBottleneck(256));
    decoder = register_module("decoder", CnnDecoder());
}

torch::Tensor MelodyCnnImpl::forward(const torch::Tensor& piano, const DropoutMasks* masks, double mask_p) {
    return decoder->forward(bottleneck->forward(encoder->forward(piano, masks, mask_p)));
}

torch::Tensor MelodyCnnImpl::forward_modules(const torch::Tensor& piano) {
    return decoder->forward_modules(bottleneck->forward(encoder->forward_modules(piano)));
}

HarmonyCnnImpl::HarmonyCnnImpl(HarmonyEncoders encoders) : encoders_(encoders) {
    if (encoders == HarmonyEncoders::Shared) {
        own_encoder = piano_encoder = register_module("encoder", CnnEncoder());
    } else {
        own_encoder = register_module("own_encoder", CnnEncoder());
        piano_encoder = register_module("piano_encoder", CnnEncoder());
    }
    bottleneck = register_module("bottleneck", CnnBottleneck(512));
    decoder = register_module("decoder", CnnDecoder());
}

torch::Tensor HarmonyCnnImpl::forward(const torch::Tensor& own, const torch::Tensor& piano, const DropoutMasks* masks,
                                      double mask_p) {
    // Two calls even when shared, as the original: each input's BatchNorm statistics are its own batch's.
    auto features = torch::cat({own_encoder->forward(own, masks, mask_p), piano_encoder->forward(piano, masks, mask_p)}, 1);
    return decoder->forward(bottleneck->forward(features));
}

torch::Tensor HarmonyCnnImpl::forward_modules(const torch::Tensor& own, const torch::Tensor& piano) {
    auto features = torch::cat({own_encoder->forward_modules(own), piano_encoder->forward_modules(piano)}, 1);
    return decoder->forward_modules(bottleneck->forward(features));
}

CnnBandImpl::CnnBandImpl(HarmonyEncoders encoders, CnnOutput output) : encoders_(encoders), output_(output) {
    melody_ = register_module("melody_piano", MelodyCnn());
    for (int i = 1; i < kCnnInstruments; ++i)
        harmony_.push_back(register_module(std::string("harmony_") + kCnnInstrumentName[std::size_t(i)], HarmonyCnn(encoders)));
}

torch::Tensor CnnBandImpl::activate(const torch::Tensor& raw) const {
    return output_ == CnnOutput::Sigmoid ? torch::sigmoid(raw) : torch::relu(raw);
}

torch::Tensor CnnBandImpl::loss(const torch::Tensor& raw, const torch::Tensor& target) const {
    const auto b = raw.size(0);
    if (output_ == CnnOutput::Sigmoid)
        return torch::binary_cross_entropy_with_logits(raw, target, {}, {}, at::Reduction::Sum) / double(b);
    return (torch::relu(raw) - target).pow(2).sum() / double(b);
}

torch::Tensor CnnBandImpl::pair_losses(const torch::Tensor& now, const torch::Tensor& next) {
    const auto piano_next = next.select(1, 0);
    std::vector<torch::Tensor> losses;
    losses.push_back(loss(melody_->forward(now.select(1, 0)), piano_next));
    for (int i = 1; i < kCnnInstruments; ++i)
        losses.push_back(loss(harmony(i)->forward(now.select(1, i), piano_next), next.select(1, i)));
    return torch::stack(losses);
}

torch::Tensor CnnBandImpl::predict_teacher_forced(const torch::Tensor& now, const torch::Tensor& next) {
    const auto piano_next = next.select(1, 0);
    std::vector<torch::Tensor> out;
    out.push_back(activate(melody_->forward(now.select(1, 0))));
    for (int i = 1; i < kCnnInstruments; ++i) out.push_back(activate(harmony(i)->forward(now.select(1, i), piano_next)));
    return torch::stack(out, 1);
}

std::int64_t parameter_count(torch::nn::Module& module) {
    std::int64_t n = 0;
    for (const auto& p : module.parameters()) n += p.numel();
    return n;
}

}  // namespace quintet
