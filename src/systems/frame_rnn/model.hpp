#pragma once
// The frame RNN (SEED-SPEC 3): a GRU reads frames (the tracks' piano-roll rows side by side) and a linear layer
// gives the next frame's logits, read by one of three output layers. Also the batches it learns from and the
// negative log-likelihood per step that training minimises and `quintet eval --model` reports.
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "nn/checkpoint.hpp"
#include "represent/frames.hpp"

namespace quintet {

// How a frame's logits become a distribution.
enum class FrameOutput {
    Bernoulli = 0,      // a sigmoid per cell, independent (BCE): the standard polyphonic model
    Softmax = 1,        // one softmax over the whole frame; notes are drawn from it
    PerInstrument = 2,  // one softmax per track; a fixed number of notes per track and step
};
FrameOutput parse_frame_output(const std::string& name);  // UsageError for another name
const char* frame_output_name(FrameOutput output);

struct FrameRnnShape {
    int tracks = 5, pitches = 128;
    int hidden = 256, layers = 1;
    FrameOutput output = FrameOutput::Bernoulli;
    double input_dropout = 0, dropout = 0;  // training only
    int frame_size() const { return tracks * pitches; }
};

class FrameRnnImpl : public torch::nn::Module {
public:
    explicit FrameRnnImpl(const FrameRnnShape& shape);
    const FrameRnnShape& shape() const { return shape_; }

    // frames [B, T, F] (0/1 floats), hidden [layers, B, H] (undefined: zeros) -> logits [B, T, F] and the
    // hidden state after the last step.
    std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& frames, const torch::Tensor& hidden = {});

    // Per step, the negative log-likelihood of `targets` [B, T, F] under `logits` (nats, summed over the outputs):
    // Bernoulli: the BCE summed over the cells; Softmax: -sum of log p over the step's notes; PerInstrument: the
    // same per track, summed. [B, T].
    torch::Tensor step_nll(const torch::Tensor& logits, const torch::Tensor& targets) const;
    // Which steps a mode models [B, T] (1/0): every step for Bernoulli; the softmax modes draw a fixed number of
    // notes and have no probability of silence, so only steps with a note count.
    torch::Tensor modelled_steps(const torch::Tensor& targets) const;

private:
    FrameRnnShape shape_;
    torch::nn::GRU gru_{nullptr};
    torch::nn::Linear out_{nullptr};
    torch::nn::Dropout input_dropout_{nullptr}, dropout_{nullptr};
};
TORCH_MODULE(FrameRnn);

// The checkpoint layout (header: kind, frame size, hidden, layers, output); optimiser null for model.pt.
CheckpointLayout frame_rnn_layout(FrameRnn& model, torch::optim::Optimizer* optimizer = nullptr);

// Training sequences cut from a FrameSet: `window` predicted steps each (0: whole sequences), the last piece of
// a sequence shorter. The input of step t is the frame before it; before a sequence's first step, a zero frame.
struct FrameWindow {
    std::size_t first = 0;   // global step of the first target
    std::size_t length = 0;
    bool at_start = false;   // the first target is its sequence's first step
};
std::vector<FrameWindow> frame_windows(const FrameSet& set, int window);

struct FrameBatch {
    torch::Tensor inputs, targets;  // [B, T, F] float on the device
    torch::Tensor mask;             // [B, T] float: 1 for a real step
};
// The windows `which` (indices into `windows`) as one batch padded to the longest. `shifts` (empty: none) moves
// window i's pitched tracks by shifts[i] semitones, inputs and targets alike (drums stay; notes moved out of the
// pitch range are dropped): transposition as data augmentation.
FrameBatch make_batch(const FrameSet& set, const std::vector<FrameWindow>& windows, const std::vector<std::int64_t>& which,
                      const torch::Device& device, const std::vector<int>& shifts = {});

struct NllSum {
    double nll = 0;       // summed over the counted steps
    long long steps = 0;  // counted steps
    double mean() const { return steps ? nll / double(steps) : 0; }
};
// The NLL of every step of every sequence, each sequence read from its start (the zero frame before it),
// in batches of `batch` sequences; no gradients, eval mode.
NllSum sequence_nll(FrameRnn& model, const FrameSet& set, int batch, const torch::Device& device);

}  // namespace quintet

namespace quintet {

// What a run directory's config.json says about its frame RNN.
struct FrameRnnRun {
    FrameSpec spec;
    FrameRnnShape shape;
    std::filesystem::path corpus;
};
// UsageError for a missing run or one of another system (one line); FormatError for a broken config.json.
FrameRnnRun read_frame_rnn_run(const std::filesystem::path& run_dir);
// The run's best weights (model.pt) on the device, in eval mode.
FrameRnn load_frame_rnn(const std::filesystem::path& run_dir, const FrameRnnRun& run, const torch::Device& device);

}  // namespace quintet
