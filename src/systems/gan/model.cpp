#include "systems/gan/model.hpp"

#include "runs/run_dir.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/flat_json.hpp"

namespace quintet {

namespace nn = torch::nn;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kGanFormat = 1;

// BatchNorm + PReLU per layer, or one of each reused by every layer (the original code's modules).
template <typename Net>
void make_norms(Net& net, int layers, int width, bool shared, bool batch_norm, std::vector<nn::BatchNorm2d>& norms,
                std::vector<nn::PReLU>& activations) {
    for (int i = 0; i < layers; ++i) {
        const std::string n = shared ? "" : std::to_string(i + 1);
        if (shared && i > 0) {
            if (batch_norm) norms.push_back(norms.front());
            activations.push_back(activations.front());
            continue;
        }
        if (batch_norm) norms.push_back(net.register_module("norm" + n, nn::BatchNorm2d(width)));
        activations.push_back(net.register_module("prelu" + n, nn::PReLU()));
    }
}

}  // namespace

GanGeneratorImpl::GanGeneratorImpl(const GanNetSettings& s) : noise_dim_(s.noise_dim) {
    s.shape.validate();
    const int w = kGanGeneratorWidth;
    // The first layer makes steps/32 rows from the 1 x 1 noise (2 for the original's 64 steps, so it doubles
    // like the four after it); the last one doubles again and spans every pitch.
    auto t = [](int in, int out, std::int64_t kh, std::int64_t kw) {
        return nn::ConvTranspose2d(nn::ConvTranspose2dOptions(in, out, {kh, kw}).stride({2, 2}));
    };
    layers_.push_back(register_module("tconv1", t(s.noise_dim, w, s.shape.steps / 32, 1)));
    for (int i = 2; i <= 5; ++i) layers_.push_back(register_module("tconv" + std::to_string(i), t(w, w, 2, 1)));
    layers_.push_back(register_module("tconv6", t(w, kGanChannels, 2, s.shape.pitches)));
    make_norms(*this, 5, w, s.shared_norm, true, norms_, activations_);
}

namespace {

// Batch norm over the channels of a channels-last [N, C] tensor: the statistics of BatchNorm2d over (B, H, W).
torch::Tensor norm_rows(const nn::BatchNorm2d& bn, const torch::Tensor& x) {
    const auto& o = bn->options;
    if (bn->is_training() && o.track_running_stats()) {
        torch::NoGradGuard no_grad;
        bn->num_batches_tracked.add_(1);  // as the module's forward
    }
    return torch::batch_norm(x, bn->weight, bn->bias, bn->running_mean, bn->running_var,
                             bn->is_training() && o.track_running_stats(), o.momentum().value_or(0.1), o.eps(), false);
}

}  // namespace

torch::Tensor GanGeneratorImpl::forward(const torch::Tensor& z) {
    const std::int64_t B = z.size(0);
    // Layer 1 from the 1 x 1 noise: [B, noise] x [noise, 64 * k] -> rows (b, t) of 64 channels.
    const auto& w1 = layers_[0]->weight;  // [noise, 64, k, 1]
    const std::int64_t width = w1.size(1);
    std::int64_t T = w1.size(2);
    auto h = z.view({B, noise_dim_}).matmul(w1.view({noise_dim_, width * T}));
    h = h.view({B, width, T}).transpose(1, 2).reshape({B * T, width}) + layers_[0]->bias;
    h = activations_[0](norm_rows(norms_[0], h));
    // Layers 2-5: each row (b, t) gives rows (b, 2t) and (b, 2t + 1): [B T, 64] x [64, 64 * 2].
    for (std::size_t i = 1; i < 5; ++i) {
        const auto& w = layers_[i]->weight;  // [64 in, 64 out, 2, 1]
        h = h.matmul(w.view({width, width * 2})).view({B * T, width, 2}).transpose(1, 2).reshape({B * T * 2, width}) +
            layers_[i]->bias;
        T *= 2;
        h = activations_[i](norm_rows(norms_[i], h));
    }
    // Layer 6: each row (b, t) gives 5 channels x 2 steps x P pitches.
    const auto& w6 = layers_[5]->weight;  // [64, 5, 2, P]
    const std::int64_t channels = w6.size(1), pitches = w6.size(3);
    auto out = h.matmul(w6.view({width, channels * 2 * pitches})).view({B, T, channels, 2, pitches});
    out = out.permute({0, 2, 1, 3, 4}).reshape({B, channels, T * 2, pitches}) + layers_[5]->bias.view({1, channels, 1, 1});
    return torch::sigmoid(out);
}

torch::Tensor GanGeneratorImpl::forward_modules(const torch::Tensor& z) {
    auto h = z.view({z.size(0), noise_dim_, 1, 1});
    for (std::size_t i = 0; i < 5; ++i) h = activations_[i](norms_[i](layers_[i](h)));
    return torch::sigmoid(layers_[5](h));
}

GanDiscriminatorImpl::GanDiscriminatorImpl(const GanNetSettings& s) {
    s.shape.validate();
    const int w = kGanDiscriminatorWidth;
    auto c = [](int in, int out, std::int64_t kh, std::int64_t kw) {
        return nn::Conv2d(nn::Conv2dOptions(in, out, {kh, kw}).stride({2, 2}));
    };
    layers_.push_back(register_module("conv1", c(kGanChannels, w, 2, s.shape.pitches)));
    for (int i = 2; i <= 5; ++i) layers_.push_back(register_module("conv" + std::to_string(i), c(w, w, 2, 1)));
    make_norms(*this, 5, w, s.shared_norm, !s.critic, norms_, activations_);
    if (!s.critic) dropout_ = register_module("dropout", nn::Dropout(0.5));
    out_ = register_module("out", nn::Linear(w * (s.shape.steps / 32), 1));
}

DiscriminatorOutput GanDiscriminatorImpl::forward(const torch::Tensor& blocks) {
    const std::int64_t B = blocks.size(0), C = blocks.size(1), S = blocks.size(2), P = blocks.size(3);
    const auto& w1 = layers_[0]->weight;  // [16, 5, 2, P]
    const std::int64_t width = w1.size(0);
    // conv1: rows (b, t) of the 5 x 2 x P cells at steps 2t, 2t + 1 -> [B T, 10 P] x [10 P, 16].
    std::int64_t T = S / 2;
    auto h = blocks.reshape({B, C, T, 2, P}).permute({0, 2, 1, 3, 4}).reshape({B * T, C * 2 * P});
    h = torch::addmm(layers_[0]->bias, h, w1.view({width, C * 2 * P}).t());
    auto act = [&](std::size_t i, const torch::Tensor& x) { return activations_[i](norms_.empty() ? x : norm_rows(norms_[i], x)); };
    h = act(0, h);
    DiscriminatorOutput out;
    out.features = h.view({B, T, width}).permute({0, 2, 1}).unsqueeze(3);  // [B, 16, T, 1], as the modules' layout
    for (std::size_t i = 1; i < 5; ++i) {
        if (!dropout_.is_empty()) h = dropout_(h);
        const auto& w = layers_[i]->weight;  // [16 out, 16 in, 2, 1]
        T /= 2;
        h = torch::addmm(layers_[i]->bias, h.view({B * T, 2, width}).transpose(1, 2).reshape({B * T, width * 2}),
                         w.view({width, width * 2}).t());
        h = act(i, h);
    }
    out.logit = out_(h.view({B, T, width}).permute({0, 2, 1}).reshape({B, width * T})).squeeze(1);
    return out;
}

DiscriminatorOutput GanDiscriminatorImpl::forward_modules(const torch::Tensor& blocks) {
    DiscriminatorOutput out;
    auto h = blocks;
    for (std::size_t i = 0; i < 5; ++i) {
        h = layers_[i](h);
        if (!norms_.empty()) h = norms_[i](h);
        h = activations_[i](h);
        if (i == 0) out.features = h;
        if (i < 4 && !dropout_.is_empty()) h = dropout_(h);
    }
    out.logit = out_(h.flatten(1)).squeeze(1);
    return out;
}

void init_gan_weights(nn::Module& net) {
    torch::NoGradGuard no_grad;
    for (auto& m : net.modules(/*include_self=*/false)) {
        if (auto* conv = m->as<nn::Conv2d>()) {
            conv->weight.normal_(0.0, 0.02);
        } else if (auto* tconv = m->as<nn::ConvTranspose2d>()) {
            tconv->weight.normal_(0.0, 0.02);
        } else if (auto* bn = m->as<nn::BatchNorm2d>()) {
            bn->weight.normal_(1.0, 0.02);
            bn->bias.zero_();
        }
    }
}

GanNets::GanNets(const GanNetSettings& s) : settings(s), generator(s), discriminator(s) {
    init_gan_weights(*generator);
    init_gan_weights(*discriminator);
}

CheckpointLayout gan_layout(GanNets& nets, torch::optim::Optimizer* g_optimizer, torch::optim::Optimizer* d_optimizer) {
    const auto& s = nets.settings;
    CheckpointLayout layout;
    layout.kind_name = "DCGAN";
    layout.header = {{"kind_gan", kGanFormat, nullptr},
                     {"steps", s.shape.steps, nullptr},
                     {"pitches", s.shape.pitches, nullptr},
                     {"noise_dim", s.noise_dim, nullptr},
                     {"shared_norm", s.shared_norm, nullptr},
                     {"critic", s.critic, nullptr}};
    layout.modules = {{"generator", nets.generator.ptr().get()}, {"discriminator", nets.discriminator.ptr().get()}};
    if (g_optimizer) layout.optimizers.emplace_back("g_optimizer", g_optimizer);
    if (d_optimizer) layout.optimizers.emplace_back("d_optimizer", d_optimizer);
    return layout;
}

GanRunInfo read_gan_run(const fs::path& run_dir) {
    const RunDescription run = describe_run(run_dir);
    const fs::path file = run_dir / "config.json";
    if (run.kind != kGanKind) throw UsageError(run_dir.string() + " holds a " + run.kind + " run, not a gan run");
    const auto kv = parse_flat_json(read_file(file), file.string());
    auto text = [&](const char* key) {
        auto it = kv.find(key);
        if (it == kv.end()) throw FormatError(file.string(), std::string("missing \"") + key + "\"");
        return it->second;
    };
    auto integer = [&](const char* key) {
        const std::string t = text(key);
        try {
            std::size_t used = 0;
            const int v = std::stoi(t, &used);
            if (used == t.size()) return v;
        } catch (const std::logic_error&) {
        }
        throw FormatError(file.string(), std::string("\"") + key + "\" must be an integer, not '" + t + "'");
    };
    GanRunInfo info;
    info.corpus = run.corpus;
    info.nets.shape = GanShape{integer("resolution"), integer("steps"), integer("lowest_pitch"), integer("pitches")};
    info.nets.noise_dim = integer("noise_dim");
    info.nets.shared_norm = text("shared_norm") == "true";
    info.loss = text("loss");
    info.nets.critic = parse_gan_loss(info.loss) == GanLoss::WganGp;
    try {
        const std::string seed = text("seed");
        std::size_t used = 0;
        info.seed = std::stoull(seed, &used);
        if (used != seed.size()) throw std::invalid_argument(seed);
    } catch (const std::logic_error&) {
        throw FormatError(file.string(), "\"seed\" must be a non-negative integer");
    }
    try {
        info.nets.shape.validate();
    } catch (const UsageError& e) {
        throw FormatError(file.string(), e.what());
    }
    return info;
}

}  // namespace quintet
