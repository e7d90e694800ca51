#include "systems/cnn/inference.hpp"

#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "nn/archive_tensors.hpp"
#include "systems/cnn/run_info.hpp"
#include "systems/cnn/run_model.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;

namespace {

constexpr int kCnnCells = kCnnSteps * kPitches;  // 4,096 cells of a block
constexpr int kCnnFeatures = 256;                // an encoder's output, the bottleneck's width
constexpr double kBatchNormEps = 1e-5;           // torch's default, which the nets' BatchNorm2d layers keep

std::string cnn_shape_text(at::IntArrayRef s) {
    std::ostringstream out;
    out << '[';
    for (std::size_t i = 0; i < s.size(); ++i) out << (i ? ", " : "") << s[i];
    return out.str() + ']';
}

// The source's tensors by name, checked against the architecture's shapes, as CPU float.
class CnnTensors {
public:
    CnnTensors(const CnnParameterSource& source, std::string origin) : source_(source), origin_(std::move(origin)) {}
    torch::Tensor get(const std::string& name, std::vector<std::int64_t> shape) const {
        auto t = source_(name);
        if (!t.defined()) throw FormatError(origin_, "no tensor " + name);
        if (t.sizes() != at::IntArrayRef(shape))
            throw FormatError(origin_, name + " has shape " + cnn_shape_text(t.sizes()) + ", expected " + cnn_shape_text(shape));
        return t.detach().to(torch::kCPU, torch::kFloat).contiguous();
    }
    // A conv and the BatchNorm after it (`bn` empty: none) as a ConvLayer with the BatchNorm as scale and shift.
    ConvLayer conv(const std::string& conv, std::vector<std::int64_t> shape, std::int64_t out, const std::string& bn) const {
        ConvLayer l{get(conv + ".weight", std::move(shape)), get(conv + ".bias", {out}), {}, {}};
        if (!bn.empty()) {
            auto gamma = get(bn + ".weight", {out}).to(torch::kDouble), beta = get(bn + ".bias", {out}).to(torch::kDouble);
            auto mean = get(bn + ".running_mean", {out}).to(torch::kDouble), var = get(bn + ".running_var", {out}).to(torch::kDouble);
            auto scale = gamma / torch::sqrt(var + kBatchNormEps);
            l.scale = scale.to(torch::kFloat).contiguous();
            l.shift = (beta - mean * scale).to(torch::kFloat).contiguous();
        }
        return l;
    }

private:
    const CnnParameterSource& source_;
    std::string origin_;
};

// Linear weight [out][in] -> [in][out] in the arena.
torch::Tensor transposed_into(WeightArena& arena, const torch::Tensor& w) {
    const auto out = w.size(0), in = w.size(1);
    auto t = arena.take({in, out});
    const float* s = w.data_ptr<float>();
    float* d = t.data_ptr<float>();
    for (std::int64_t o = 0; o < out; ++o)
        for (std::int64_t i = 0; i < in; ++i) d[i * out + o] = s[o * in + i];
    return t;
}

std::size_t arena_floats(int encoders) {
    auto r = [](std::size_t n) { return (n + 15) / 16 * 16; };
    const std::size_t dense = r(512 * 256) + r(256) + r(256 * 64) + r(64) + r(64 * 256) + r(256);
    return std::size_t(encoders) * BlockEncoder::arena_floats() + kCnnInstruments * (BlockDecoder::arena_floats() + dense);
}

const float* fp(const torch::Tensor& t) { return t.data_ptr<float>(); }

}  // namespace

CnnInference::CnnInference(HarmonyEncoders encoders, CnnOutput output, const CnnParameterSource& source,
                           const std::string& origin)
    : output_(output), shared_(encoders == HarmonyEncoders::Shared) {
    torch::NoGradGuard no_grad;
    const CnnTensors tensors(source, origin);
    const int encoder_count = 1 + (shared_ ? 4 : 8);
    arena_ = std::make_unique<WeightArena>(arena_floats(encoder_count));
    WeightArena& arena = *arena_;
    auto encoder = [&](const std::string& pre) {
        return BlockEncoder(arena, tensors.conv(pre + "conv1", {64, 1, 4, 4}, 64, pre + "bn1"),
                            tensors.conv(pre + "conv2", {128, 64, 4, 4}, 128, pre + "bn2"),
                            tensors.conv(pre + "conv3", {256, 128, 2, 8}, 256, pre + "bn3"));
    };
    auto trunk = [&](const std::string& pre, int in) {
        Trunk t;
        t.in = in;
        t.w1 = transposed_into(arena, tensors.get(pre + "bottleneck.enc_lin1.weight", {256, in}));
        t.b1 = arena.copy(tensors.get(pre + "bottleneck.enc_lin1.bias", {256}));
        t.w2 = transposed_into(arena, tensors.get(pre + "bottleneck.enc_lin2.weight", {kCnnLatent, 256}));
        t.b2 = arena.copy(tensors.get(pre + "bottleneck.enc_lin2.bias", {kCnnLatent}));
        t.w3 = transposed_into(arena, tensors.get(pre + "bottleneck.dec_lin.weight", {256, kCnnLatent}));
        t.b3 = arena.copy(tensors.get(pre + "bottleneck.dec_lin.bias", {256}));
        const std::string d = pre + "decoder.";
        t.decoder = std::make_unique<BlockDecoder>(arena, tensors.conv(d + "deconv1", {256, 128, 2, 8}, 128, d + "bn1"),
                                                   tensors.conv(d + "deconv2", {128, 64, 4, 4}, 64, d + "bn2"),
                                                   tensors.conv(d + "deconv3", {64, 1, 4, 4}, 1, ""));
        return t;
    };
    encoders_.push_back(encoder("melody_piano.encoder."));
    trunks_.push_back(trunk("melody_piano.", 256));
    for (int i = 1; i < kCnnInstruments; ++i) {
        const std::string pre = std::string("harmony_") + kCnnInstrumentName[std::size_t(i)] + ".";
        if (shared_) {
            encoders_.push_back(encoder(pre + "encoder."));
        } else {
            encoders_.push_back(encoder(pre + "own_encoder."));
            encoders_.push_back(encoder(pre + "piano_encoder."));
        }
        trunks_.push_back(trunk(pre, 512));
    }
}

CnnInference::CnnInference(CnnBandImpl& band)
    : CnnInference(band.encoders(), band.output(),
                   [params = band.named_parameters(), buffers = band.named_buffers()](const std::string& name) {
                       if (const auto* p = params.find(name)) return *p;
                       if (const auto* b = buffers.find(name)) return *b;
                       return torch::Tensor();
                   },
                   "CnnBand") {}

void CnnInference::run_trunk(const Trunk& t, const float* features, float* out) const {
    alignas(64) float h1[256], latent[kCnnLatent], h3[256], raw[kCnnCells];
    affine_skip_zeros(t.in, 256, features, fp(t.w1), fp(t.b1), h1);
    relu_in_place(256, h1);
    affine_skip_zeros(256, kCnnLatent, h1, fp(t.w2), fp(t.b2), latent);  // the latent: no activation
    affine_skip_zeros(kCnnLatent, 256, latent, fp(t.w3), fp(t.b3), h3);
    relu_in_place(256, h3);
    t.decoder->decode(h3, raw);
    if (output_ == CnnOutput::Sigmoid)
        for (int c = 0; c < kCnnCells; ++c) out[c] = 1.0f / (1.0f + std::exp(-raw[c]));
    else
        for (int c = 0; c < kCnnCells; ++c) out[c] = raw[c] > 0 ? raw[c] : 0.0f;
}

void CnnInference::melody(const float* piano, float* out) const {
    alignas(64) float features[kCnnFeatures];
    encoders_[0].features(piano, features);
    run_trunk(trunks_[0], features, out);
}

void CnnInference::harmony(int instrument, const float* own, const float* piano_next, float* out) const {
    if (instrument < 1 || instrument >= kCnnInstruments) throw std::out_of_range("CnnInference::harmony: instrument 1..4");
    // [features of its own block t, features of the piano block t+1], as HarmonyCnn concatenates them.
    alignas(64) float features[2 * kCnnFeatures];
    const std::size_t own_encoder = shared_ ? std::size_t(instrument) : std::size_t(2 * instrument - 1);
    const std::size_t piano_encoder = shared_ ? own_encoder : own_encoder + 1;
    if (shared_) {
        encoders_[own_encoder].features(own, piano_next, features, features + kCnnFeatures);
    } else {
        encoders_[own_encoder].features(own, features);
        encoders_[piano_encoder].features(piano_next, features + kCnnFeatures);
    }
    run_trunk(trunks_[std::size_t(instrument)], features, out);
}

void CnnInference::step(const float* current, const std::array<float, 5>& thresholds, float* next, float* activated) const {
    std::vector<float> scratch(activated ? 0 : std::size_t(kCnnCells));
    auto shape = [&](int i, const float* values) {
        float* block = next + std::size_t(i) * kCnnCells;
        for (int c = 0; c < kCnnCells; ++c) block[c] = values[c] >= thresholds[std::size_t(i)] ? kCnnNoteValue : 0.0f;
    };
    for (int i = 0; i < kCnnInstruments; ++i) {
        float* out = activated ? activated + std::size_t(i) * kCnnCells : scratch.data();
        if (i == 0)
            melody(current, out);
        else
            harmony(i, current + std::size_t(i) * kCnnCells, next, out);  // next[0..4096): the new piano block
        shape(i, out);
    }
}

CnnInference load_cnn_inference(const fs::path& run_dir, bool mapped) {
    const auto info = read_cnn_run_info(run_dir);
    const auto encoders = parse_harmony_encoders(info.harmony_encoders);
    const auto output = parse_cnn_output(info.loss);
    const fs::path file = run_dir / "model.pt";
    if (!fs::exists(file)) throw IoError(file.string() + ": no such checkpoint");
    // The archive's tensors straight from the mapped file when it has the layout torch writes and the header
    // model.json announces (kind_cnn, the encoders, the output, as cnn_layout writes them) ...
    if (auto tensors = mapped ? ArchiveTensors::open(file) : std::nullopt) {
        auto header = [&](const std::string& key, std::int64_t expected) {
            const auto t = tensors->find(key);
            return t.defined() && t.numel() == 1 && t.item<std::int64_t>() == expected;
        };
        if (header("kind_cnn", 1) && header("separate_encoders", encoders == HarmonyEncoders::Separate) &&
            header("relu_output", output == CnnOutput::Relu))
            return CnnInference(encoders, output, [&](const std::string& name) { return tensors->find("band." + name); },
                                file.string());
    }
    // ... else through torch's loader, which also gives the one-line errors of a foreign or damaged file.
    auto band = load_cnn_run(run_dir);
    return CnnInference(*band);
}

}  // namespace quintet
