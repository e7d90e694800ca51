#include "systems/vae_nn/inference.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "util/error.hpp"

namespace quintet {

namespace {

constexpr int kPitchCount = 128;
constexpr int kCells = kWindowSteps * kPitchCount;  // 4096 cells of a block
constexpr int kMlpWidth = 512;  // widest latent-net layer the stack buffers hold (the default is 128)
constexpr int kC3 = 256;        // channels after enc3 (and dec_in)

// y = bias + x W for a [in][out] weight, skipping the inputs that are exactly 0 (after a ReLU about half are).
// The latent nets' version, compiled for the baseline (the conv stacks and their dense ends use
// nn/block_codec's, which may run on AVX-512).
void mlp_affine(int in, int out, const float* __restrict x, const float* __restrict w, const float* __restrict bias,
                float* __restrict y) {
    std::memcpy(y, bias, sizeof(float) * std::size_t(out));
    for (int c = 0; c < in; ++c)
        if (x[c] != 0)
            for (int j = 0; j < out; ++j) y[j] += x[c] * w[std::size_t(c) * out + j];
}

// The Bernoulli decoder's output activation. One definition, so that the logit cut of a threshold (below) is
// found with exactly the function reconstruct() applies.
inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// Floats in their numeric order as integers (-0 and +0 both 0), and back.
std::int64_t float_key(float x) {
    std::uint32_t b;
    std::memcpy(&b, &x, sizeof b);
    return (b & 0x80000000u) ? -std::int64_t(b & 0x7fffffffu) : std::int64_t(b);
}
float key_float(std::int64_t k) {
    const std::uint32_t b = k >= 0 ? std::uint32_t(k) : (std::uint32_t(-k) | 0x80000000u);
    float x;
    std::memcpy(&x, &b, sizeof x);
    return x;
}

// The smallest float x with sigmoid(x) >= t (NaN when there is none: then no cell reaches t). Found by bisection,
// which assumes sigmoid is monotone in float arithmetic; that is checked for the 512 floats around the cut,
// where rounding could break it (farther away the sigmoid differs from t by hundreds of its own ulps, more than
// expf's error). nullopt when the check fails.
std::optional<float> sigmoid_cut(float t) {
    auto reaches = [t](std::int64_t k) { return sigmoid(key_float(k)) >= t; };
    const std::int64_t lowest = float_key(-std::numeric_limits<float>::infinity());
    const std::int64_t highest = float_key(std::numeric_limits<float>::infinity());
    if (!reaches(highest)) return std::numeric_limits<float>::quiet_NaN();
    std::int64_t lo = lowest, hi = highest;  // invariant: reaches(hi); the answer is in [lo, hi]
    while (lo < hi) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        if (reaches(mid))
            hi = mid;
        else
            lo = mid + 1;
    }
    for (std::int64_t k = std::max(lowest, hi - 256); k <= std::min(highest, hi + 256); ++k)
        if (reaches(k) != (k >= hi)) return std::nullopt;
    return key_float(hi);
}

// --- packing -------------------------------------------------------------------------------------------

std::string shape_text(at::IntArrayRef s) {
    std::ostringstream out;
    out << '[';
    for (std::size_t i = 0; i < s.size(); ++i) out << (i ? ", " : "") << s[i];
    return out.str() + ']';
}

class Packer {
public:
    Packer(const ParameterSource& source, std::string origin) : source_(source), origin_(std::move(origin)) {}

    // The parameter `name` as a contiguous CPU float tensor of exactly `shape` (no copy when it is one).
    torch::Tensor get(const std::string& name, std::vector<std::int64_t> shape) const {
        auto t = source_(name);
        if (!t.defined()) throw FormatError(origin_, "no parameter " + name);
        if (t.sizes() != at::IntArrayRef(shape))
            throw FormatError(origin_, name + " has shape " + shape_text(t.sizes()) + ", expected " + shape_text(shape));
        return t.detach().to(torch::kCPU, torch::kFloat).contiguous();
    }
    torch::Tensor find(const std::string& name) const { return source_(name); }

private:
    const ParameterSource& source_;
    std::string origin_;
};

const float* ptr(const torch::Tensor& t) { return t.data_ptr<float>(); }
float* ptr(torch::Tensor& t) { return t.data_ptr<float>(); }

// out[o][i] = in[i][o] for in [rows][cols] (a plain transpose, written once), in the arena if given.
torch::Tensor transposed(const torch::Tensor& in, WeightArena* arena = nullptr) {
    const auto rows = in.size(0), cols = in.size(1);
    auto out = arena ? arena->take({cols, rows}) : torch::empty({cols, rows});
    const float* s = ptr(in);
    float* d = ptr(out);
    for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t o = 0; o < cols; ++o) d[o * rows + i] = s[i * cols + o];
    return out;
}

}  // namespace

VaeNnInference::VaeNnInference(VaeNnModelImpl& model)
    : VaeNnInference(model.latent(), model.likelihood(), model.residual_nets(),
                     [params = model.named_parameters()](const std::string& name) {
                         const auto* p = params.find(name);
                         // Copies: the packed weights must not follow later changes of the module.
                         return p ? p->detach().to(torch::kCPU, torch::kFloat).clone() : torch::Tensor();
                     },
                     "VaeNnModel") {}

VaeNnInference::VaeNnInference(int latent, Likelihood likelihood, bool residual_nets, const ParameterSource& source,
                               const std::string& origin)
    : latent_(latent), bernoulli_(likelihood == Likelihood::Bernoulli), residual_nets_(residual_nets) {
    torch::NoGradGuard no_grad;
    if (latent <= 0 || latent > kMlpWidth / 2) throw UsageError("VaeNnInference: latent size " + std::to_string(latent) + " not supported");
    const int K = latent_;
    Packer pk(source, origin);
    auto r = [](std::size_t n) { return (n + 15) / 16 * 16; };
    WeightArena arena(kVaeInstruments * (BlockEncoder::arena_floats() + BlockDecoder::arena_floats() + 2 * r(std::size_t(kC3) * K) +
                                          r(std::size_t(K)) + r(kC3)));
    for (int i = 0; i < kVaeInstruments; ++i) {
        const std::string pre = std::string("vae_") + kVaeInstrumentName[i] + ".";
        auto layer = [&](const std::string& name, std::vector<std::int64_t> shape, std::int64_t out) {
            return ConvLayer{pk.get(pre + name + ".weight", std::move(shape)), pk.get(pre + name + ".bias", {out}), {}, {}};
        };
        BlockEncoder encoder(arena, layer("enc1", {64, 1, 4, 4}, 64), layer("enc2", {128, 64, 4, 4}, 128),
                             layer("enc3", {kC3, 128, 2, 8}, kC3));
        BlockDecoder decoder(arena, layer("dec1", {kC3, 128, 2, 8}, 128), layer("dec2", {128, 64, 4, 4}, 64),
                             layer("dec3", {64, 1, 4, 4}, 1));
        Vae v{std::move(encoder), std::move(decoder), {}, {}, {}, {}};
        // enc_out [K + 1, 256]: the means' rows (the log-sigma is not needed) -> [256][K]
        v.wout = transposed(pk.get(pre + "enc_out.weight", {K + 1, kC3}).narrow(0, 0, K).contiguous(), &arena);
        v.bout = arena.copy(pk.get(pre + "enc_out.bias", {K + 1}).narrow(0, 0, K));
        v.wdin = transposed(pk.get(pre + "dec_in.weight", {kC3, K}), &arena);
        v.bdin = arena.copy(pk.get(pre + "dec_in.bias", {kC3}));
        vaes_.push_back(std::move(v));
    }
    // The latent nets: Linear layers "net.<index>" with ReLU between them (dropout is the identity in eval).
    auto pack_mlp = [&](const std::string& name, int in) {
        Mlp mlp;
        const std::string pre = "net_" + name + ".net.";
        for (int index = 0; index < 16; ++index) {
            auto w = pk.find(pre + std::to_string(index) + ".weight");
            if (!w.defined()) continue;
            if (w.dim() != 2 || w.size(1) != in || w.size(0) > kMlpWidth)
                throw FormatError(origin, pre + std::to_string(index) + ".weight has shape " + shape_text(w.sizes()));
            const int out = int(w.size(0));
            mlp.w.push_back(transposed(pk.get(pre + std::to_string(index) + ".weight", {out, in})));
            mlp.b.push_back(pk.get(pre + std::to_string(index) + ".bias", {out}).clone());
            mlp.in.push_back(in);
            mlp.out.push_back(out);
            in = out;
        }
        if (mlp.w.empty() || in != K) throw FormatError(origin, "net_" + name + " does not map to the latent size " + std::to_string(K));
        return mlp;
    };
    melody_ = pack_mlp(kVaeInstrumentName[0], K);
    for (int i = 1; i < kVaeInstruments; ++i) conditional_.push_back(pack_mlp(kVaeInstrumentName[i], 2 * K));
}

void VaeNnInference::run_mlp(const Mlp& mlp, const float* x, float* y) const {
    float a[kMlpWidth], b[kMlpWidth];
    const float* in = x;
    for (std::size_t l = 0; l < mlp.w.size(); ++l) {
        const bool last = l + 1 == mlp.w.size();
        float* out = last ? y : (l % 2 == 0 ? a : b);
        mlp_affine(mlp.in[l], mlp.out[l], in, ptr(mlp.w[l]), ptr(mlp.b[l]), out);
        if (!last) relu_in_place(mlp.out[l], out);
        in = out;
    }
}

void VaeNnInference::encode_mean(int i, const float* block, float* mean) const {
    const Vae& v = vaes_.at(std::size_t(i));
    alignas(64) float h[kC3];
    v.encoder.features(block, h);
    affine_skip_zeros(kC3, latent_, h, ptr(v.wout), ptr(v.bout), mean);
}

void VaeNnInference::reconstruct(int i, const float* z, float* block) const {
    const Vae& v = vaes_.at(std::size_t(i));
    alignas(64) float h[kC3];
    affine_skip_zeros(latent_, kC3, z, ptr(v.wdin), ptr(v.bdin), h);
    relu_in_place(kC3, h);
    v.decoder.decode(h, block);
    if (bernoulli_)
        for (int c = 0; c < kCells; ++c) block[c] = sigmoid(block[c]);
}

std::optional<float> VaeNnInference::logit_cut(float threshold) const {
    // A cut only stands in for the sigmoid where every kept value is above 0 (a sigmoid of exactly 0 is no note).
    if (!bernoulli_ || !(threshold > 0)) return std::nullopt;
    return sigmoid_cut(threshold);
}

void VaeNnInference::reconstruct_above(int i, const float* z, const std::optional<float>& cut, float* block) const {
    if (!cut) return reconstruct(i, z, block);
    const Vae& v = vaes_.at(std::size_t(i));
    alignas(64) float h[kC3];
    affine_skip_zeros(latent_, kC3, z, ptr(v.wdin), ptr(v.bdin), h);
    relu_in_place(kC3, h);
    v.decoder.decode(h, block);  // logits
    const float c = *cut;
    for (int k = 0; k < kCells; ++k) block[k] = block[k] >= c ? sigmoid(block[k]) : 0.0f;
}

void VaeNnInference::predict_next(const float* latents, const float* noise, float* next) const {
    const int K = latent_;
    run_mlp(melody_, latents, next);
    if (residual_nets_)
        for (int k = 0; k < K; ++k) next[k] += latents[k];
    if (noise)
        for (int k = 0; k < K; ++k) next[k] += noise[k];
    float joint[kMlpWidth];
    for (int i = 1; i < kVaeInstruments; ++i) {
        // [own latent w_t, the new piano latent], as LatentConditionalNet concatenates them.
        std::memcpy(joint, latents + i * K, sizeof(float) * std::size_t(K));
        std::memcpy(joint + K, next, sizeof(float) * std::size_t(K));
        run_mlp(conditional_[std::size_t(i - 1)], joint, next + i * K);
        if (residual_nets_)
            for (int k = 0; k < K; ++k) next[i * K + k] += latents[i * K + k];
        if (noise)
            for (int k = 0; k < K; ++k) next[i * K + k] += noise[i * K + k];
    }
}

torch::Tensor VaeNnInference::encode_means(const torch::Tensor& blocks) const {
    auto x = blocks.to(torch::kCPU, torch::kFloat).contiguous().reshape({kVaeInstruments, kCells});
    auto out = torch::empty({1, kVaeInstruments, latent_});
    for (int i = 0; i < kVaeInstruments; ++i) encode_mean(i, x[i].data_ptr<float>(), out.data_ptr<float>() + i * latent_);
    return out;
}

torch::Tensor VaeNnInference::predict_next(const torch::Tensor& latents, const torch::Tensor& noise) const {
    auto z = latents.to(torch::kCPU, torch::kFloat).contiguous();
    torch::Tensor n;
    if (noise.defined()) n = noise.to(torch::kCPU, torch::kFloat).contiguous();
    auto out = torch::empty({1, kVaeInstruments, latent_});
    predict_next(z.data_ptr<float>(), n.defined() ? n.data_ptr<float>() : nullptr, out.data_ptr<float>());
    return out;
}

torch::Tensor VaeNnInference::reconstruct(const torch::Tensor& latents) const {
    auto z = latents.to(torch::kCPU, torch::kFloat).contiguous().reshape({kVaeInstruments, latent_});
    auto out = torch::empty({kVaeInstruments, kWindowSteps, kPitchCount});
    for (int i = 0; i < kVaeInstruments; ++i)
        reconstruct(i, z[i].data_ptr<float>(), out.data_ptr<float>() + std::size_t(i) * kCells);
    return out;
}

}  // namespace quintet
