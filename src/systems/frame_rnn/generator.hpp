#pragma once
// Frame-RNN generation on a loaded run: the primer (a user's song, or steps of a corpus song picked by the seed)
// is read once to build the GRU's state, then each new frame is drawn from the output layer and fed back one
// step at a time with the cached hidden state (the context is never re-run).
#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "nn/sampling.hpp"
#include "roll/multitrack.hpp"
#include "systems/frame_rnn/model.hpp"
#include "systems/frame_rnn/sample_options.hpp"
#include "systems/system.hpp"

namespace quintet {

// Generation's GRU step at batch 1 on the CPU, straight from the run's weights: the first layer reads a 0/1 frame
// with few notes, so its input projection is the sum of the weight columns of the sounding cells (notes x 3H
// instead of F x 3H); the rest is matrix-vector products into preallocated buffers and one fused gate loop.
// Gives the module's logits up to float rounding (tests/systems/frame_rnn).
class FrameRnnStepper {
public:
    explicit FrameRnnStepper(FrameRnn& model);
    void reset();  // the zero hidden state
    // Reads one frame (frame_size bytes, 0/1), advances the state; returns the logits [F] of the next frame
    // (a buffer reused by the next call).
    const torch::Tensor& step(const std::uint8_t* frame);

private:
    struct Layer {
        torch::Tensor w_ih, w_hh, b_ih, b_hh;  // layer 0: w_ih transposed, [F, 3H]
        torch::Tensor h, gi, gh;
    };
    std::vector<Layer> layers_;
    torch::Tensor out_w_, out_b_, logits_;
    int hidden_ = 0, frame_size_ = 0;
};

class FrameRnnGenerator {
public:
    // Loads config.json + model.pt; UsageError/FormatError on a missing or foreign run directory.
    FrameRnnGenerator(const std::filesystem::path& run_dir, const std::string& device = "cpu");

    // A whole song: LPD-5 tracks at the run's resolution, notes at velocity 100.
    Multitrack generate(const FrameRnnGenerateOptions& options);

    // The pieces, public for tests and benchmarks. Frames are steps x frame_size bytes (0/1).
    std::vector<std::uint8_t> primer(const FrameRnnGenerateOptions& options, SamplingRng& rng) const;
    // `primer` followed by new frames up to `steps` in all. With `kept` (steps frames), the cells of the tracks
    // of options.keep are taken from it at every new step, before the step is fed back.
    std::vector<std::uint8_t> continue_frames(std::vector<std::uint8_t> primer, std::size_t steps,
                                              const FrameRnnGenerateOptions& options, SamplingRng& rng,
                                              const std::vector<std::uint8_t>* kept = nullptr);
    // One frame drawn from one step's logits [F].
    std::vector<std::uint8_t> draw_frame(const torch::Tensor& logits, const std::vector<int>& notes, double temperature,
                                         SamplingRng& rng) const;
    const FrameRnnRun& run() const { return run_; }
    FrameRnn& model() { return model_; }


private:
    FrameRnnRun run_;
    torch::Device device_;
    FrameRnn model_{nullptr};
    std::unique_ptr<FrameRnnStepper> stepper_;  // CPU only
};

// The NLL per step of one split of a store (nn: per step, summed over the outputs; every step of every song
// counted, each song read from a zero frame).
System::SplitLikelihood frame_rnn_split_likelihood(const std::filesystem::path& run_dir, const std::filesystem::path& corpus,
                                                   const std::string& split, const std::string& device);

}  // namespace quintet
