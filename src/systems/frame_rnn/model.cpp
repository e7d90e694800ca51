#include "systems/frame_rnn/model.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "nn/fused_gru.hpp"
#include "util/error.hpp"

namespace quintet {

FrameOutput parse_frame_output(const std::string& name) {
    if (name == "bernoulli") return FrameOutput::Bernoulli;
    if (name == "softmax") return FrameOutput::Softmax;
    if (name == "per-instrument") return FrameOutput::PerInstrument;
    throw UsageError("--output '" + name + "': expected bernoulli, softmax or per-instrument");
}

const char* frame_output_name(FrameOutput output) {
    switch (output) {
        case FrameOutput::Softmax: return "softmax";
        case FrameOutput::PerInstrument: return "per-instrument";
        default: return "bernoulli";
    }
}

FrameRnnImpl::FrameRnnImpl(const FrameRnnShape& shape) : shape_(shape) {
    const int f = shape.frame_size();
    gru_ = register_module(
        "gru", torch::nn::GRU(torch::nn::GRUOptions(f, shape.hidden).num_layers(shape.layers).batch_first(true).dropout(
                                  shape.layers > 1 ? shape.dropout : 0.0)));
    out_ = register_module("out", torch::nn::Linear(shape.hidden, f));
    input_dropout_ = register_module("input_dropout", torch::nn::Dropout(shape.input_dropout));
    dropout_ = register_module("dropout", torch::nn::Dropout(shape.dropout));
}

std::pair<torch::Tensor, torch::Tensor> FrameRnnImpl::forward(const torch::Tensor& frames, const torch::Tensor& hidden) {
    auto x = shape_.input_dropout > 0 ? input_dropout_(frames) : frames;
    auto [h, last] = run_gru(gru_, x, hidden);
    if (shape_.dropout > 0) h = dropout_(h);
    return {out_(h), last};
}

torch::Tensor FrameRnnImpl::step_nll(const torch::Tensor& logits, const torch::Tensor& targets) const {
    switch (shape_.output) {
        case FrameOutput::Bernoulli:
            return torch::binary_cross_entropy_with_logits(logits, targets, {}, {}, torch::Reduction::None).sum(-1);
        case FrameOutput::Softmax:
            return -(targets * torch::log_softmax(logits, -1)).sum(-1);
        case FrameOutput::PerInstrument: {
            auto shape = logits.sizes().vec();
            shape.back() = shape_.tracks;
            shape.push_back(shape_.pitches);
            return -(targets.view(shape) * torch::log_softmax(logits.view(shape), -1)).sum({-2, -1});
        }
    }
    throw Error("frame RNN: unknown output mode");
}

torch::Tensor FrameRnnImpl::modelled_steps(const torch::Tensor& targets) const {
    if (shape_.output == FrameOutput::Bernoulli) return torch::ones(targets.sizes().slice(0, 2), targets.options());
    return (targets.sum(-1) > 0).to(targets.scalar_type());
}

namespace {
std::string frame_size_text(std::int64_t v) { return "a frame of " + std::to_string(v) + " cells"; }
std::string hidden_text(std::int64_t v) { return "hidden size " + std::to_string(v); }
std::string layers_text(std::int64_t v) { return std::to_string(v) + " GRU layer(s)"; }
std::string output_text(std::int64_t v) { return std::string("the ") + frame_output_name(FrameOutput(v)) + " output"; }
}  // namespace

CheckpointLayout frame_rnn_layout(FrameRnn& model, torch::optim::Optimizer* optimizer) {
    const auto& s = model->shape();
    CheckpointLayout layout;
    layout.kind_name = "frame-RNN";
    layout.header = {{"kind_frame_rnn", 1, nullptr},
                     {"frame_size", s.frame_size(), frame_size_text},
                     {"hidden", s.hidden, hidden_text},
                     {"layers", s.layers, layers_text},
                     {"output", std::int64_t(s.output), output_text}};
    layout.modules = {{"model", model.ptr().get()}};
    if (optimizer) layout.optimizers.emplace_back("optimizer", optimizer);
    return layout;
}

std::vector<FrameWindow> frame_windows(const FrameSet& set, int window) {
    std::vector<FrameWindow> out;
    for (std::size_t s = 0; s < set.sequences(); ++s) {
        const std::size_t piece = window > 0 ? std::size_t(window) : set.length[s];
        for (std::size_t at = 0; at < set.length[s]; at += piece)
            out.push_back({set.start[s] + at, std::min(piece, set.length[s] - at), at == 0});
    }
    return out;
}

namespace {
// Copies `rows` frames, each pitched track moved by `shift` semitones within its block.
void copy_frames(std::uint8_t* dst, const std::uint8_t* src, std::size_t rows, const FrameSpec& spec, int shift) {
    const std::size_t width = spec.frame_size(), pitches = std::size_t(spec.pitches);
    if (shift == 0) {
        std::memcpy(dst, src, rows * width);
        return;
    }
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < spec.tracks.size(); ++c) {
            const std::uint8_t* from = src + r * width + c * pitches;
            std::uint8_t* to = dst + r * width + c * pitches;
            if (spec.tracks[c] == 0) {  // drums: pitches name instruments, not notes
                std::memcpy(to, from, pitches);
                continue;
            }
            for (std::size_t p = 0; p < pitches; ++p) {
                const long q = long(p) + shift;
                if (from[p] && q >= 0 && q < long(pitches)) to[q] = 1;
            }
        }
}
}  // namespace

FrameBatch make_batch(const FrameSet& set, const std::vector<FrameWindow>& windows, const std::vector<std::int64_t>& which,
                      const torch::Device& device, const std::vector<int>& shifts) {
    const std::size_t width = set.spec.frame_size();
    std::size_t steps = 0;
    for (auto w : which) steps = std::max(steps, windows[std::size_t(w)].length);
    const auto b = std::int64_t(which.size()), t = std::int64_t(steps), f = std::int64_t(width);
    auto inputs = torch::zeros({b, t, f}, torch::kUInt8), targets = torch::zeros({b, t, f}, torch::kUInt8);
    auto mask = torch::zeros({b, t}, torch::kFloat);
    std::uint8_t *in = inputs.data_ptr<std::uint8_t>(), *out = targets.data_ptr<std::uint8_t>();
    float* m = mask.data_ptr<float>();
    for (std::size_t i = 0; i < which.size(); ++i) {
        const FrameWindow& w = windows[std::size_t(which[i])];
        const int shift = shifts.empty() ? 0 : shifts[i];
        std::uint8_t *in_row = in + i * steps * width, *out_row = out + i * steps * width;
        copy_frames(out_row, set.frame(w.first), w.length, set.spec, shift);
        // Inputs: the frames one step earlier; before a sequence's first step the zero frame (already there).
        if (w.at_start)
            copy_frames(in_row + width, set.frame(w.first), w.length - 1, set.spec, shift);
        else
            copy_frames(in_row, set.frame(w.first - 1), w.length, set.spec, shift);
        std::fill(m + i * steps, m + i * steps + w.length, 1.0f);
    }
    return {inputs.to(device).to(torch::kFloat), targets.to(device).to(torch::kFloat), mask.to(device)};
}

NllSum sequence_nll(FrameRnn& model, const FrameSet& set, int batch, const torch::Device& device) {
    torch::NoGradGuard no_grad;
    model->eval();
    const auto windows = frame_windows(set, 0);
    // Similar lengths together: less padding (the padding after a sequence does not change its outputs).
    std::vector<std::int64_t> order(windows.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](auto a, auto b) { return windows[std::size_t(a)].length < windows[std::size_t(b)].length; });
    NllSum sum;
    for (std::size_t first = 0; first < order.size(); first += std::size_t(batch)) {
        std::vector<std::int64_t> which(order.begin() + std::ptrdiff_t(first),
                                        order.begin() + std::ptrdiff_t(std::min(order.size(), first + std::size_t(batch))));
        const FrameBatch b = make_batch(set, windows, which, device);
        const auto logits = model->forward(b.inputs).first;
        const auto counted = b.mask * model->modelled_steps(b.targets);
        sum.nll += (model->step_nll(logits, b.targets) * counted).sum().to(torch::kDouble).item<double>();
        sum.steps += static_cast<long long>(counted.sum().item<double>());
    }
    return sum;
}

}  // namespace quintet

#include "runs/run_dir.hpp"
#include "systems/frame_rnn/train_options.hpp"
#include "util/atomic_file.hpp"
#include "util/flat_json.hpp"

namespace quintet {

FrameRnnRun read_frame_rnn_run(const std::filesystem::path& run_dir) {
    const RunDescription description = describe_run(run_dir);
    if (description.kind != kFrameRnnKind)
        throw UsageError(run_dir.string() + " holds a " + description.kind + " run, not a " + kFrameRnnKind + " one");
    const auto file = run_dir / "config.json";
    const auto kv = parse_flat_json(read_file(file), file.string());
    auto text = [&](const char* key) {
        auto it = kv.find(key);
        if (it == kv.end()) throw FormatError(file.string(), std::string("missing \"") + key + "\"");
        return it->second;
    };
    auto integer = [&](const char* key) {
        const std::string t = text(key);
        char* end = nullptr;
        const long v = std::strtol(t.c_str(), &end, 10);
        if (t.empty() || *end != '\0' || v < 0 || v > 1000000)
            throw FormatError(file.string(), std::string("\"") + key + "\" must be a non-negative integer, not '" + t + "'");
        return int(v);
    };
    FrameRnnRun run;
    run.corpus = description.corpus;
    try {
        run.spec.tracks = parse_track_list(text("tracks"));
        run.spec.resolution = integer("resolution");
        run.spec.lowest_pitch = integer("lowest_pitch");
        run.spec.pitches = integer("pitches");
        run.spec.validate();
        run.shape.output = parse_frame_output(text("output"));
    } catch (const UsageError& e) {
        throw FormatError(file.string(), e.what());
    }
    run.shape.tracks = int(run.spec.tracks.size());
    run.shape.pitches = run.spec.pitches;
    run.shape.hidden = integer("hidden");
    run.shape.layers = integer("layers");
    if (run.shape.hidden < 1 || run.shape.layers < 1) throw FormatError(file.string(), "hidden and layers must be positive");
    return run;
}

FrameRnn load_frame_rnn(const std::filesystem::path& run_dir, const FrameRnnRun& run, const torch::Device& device) {
    FrameRnn model(run.shape);
    const auto file = run_dir / "model.pt";
    if (!std::filesystem::exists(file))
        throw UsageError(run_dir.string() + ": no model.pt yet (training has not finished an epoch)");
    load_weights(file, frame_rnn_layout(model));
    model->to(device);
    model->eval();
    return model;
}

}  // namespace quintet
