#pragma once
// Generation-only evaluation of the five CNN nets on the CPU, one block at a time (the article's loop runs
// batch 1): the conv stacks on nn/block_codec (BatchNorm folded into the weights; empty patches and regions
// of the binarised blocks and the zeros after every ReLU skipped, exactly), the dense layers as sparse
// matrix-vector products. Eval mode: dropout off. Same values as the nets' modules up to float rounding
// (tests/systems/cnn/cnn_inference_test.cpp).
#include <torch/torch.h>

#include <array>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/block_codec.hpp"
#include "systems/cnn/cnn_nets.hpp"

namespace quintet {

// A parameter or buffer by its name in CnnBandImpl::named_parameters() / named_buffers()
// ("melody_piano.encoder.conv1.weight", "harmony_bass.decoder.bn2.running_var"); undefined when absent. The
// tensors need only live while the constructor runs (it copies what it keeps).
using CnnParameterSource = std::function<torch::Tensor(const std::string& name)>;

class CnnInference {
public:
    // FormatError naming `origin` when a tensor is missing or has the wrong shape.
    CnnInference(HarmonyEncoders encoders, CnnOutput output, const CnnParameterSource& source, const std::string& origin);
    explicit CnnInference(CnnBandImpl& band);

    // The article's step: block t [5 * 4096] (instrument-major, each row-major 32 steps x 128 pitches) ->
    // block t+1 as the song keeps it: the melody net's piano block thresholded (value >= threshold) and
    // binarised to kCnnNoteValue, then each harmony net's block given its own block t and that piano block.
    // `activated` [5 * 4096], when not null, receives the nets' outputs before the thresholds.
    void step(const float* current, const std::array<float, 5>& thresholds, float* next, float* activated = nullptr) const;

    // The nets alone: activated outputs [4096] (sigmoid, or ReLU for the mse output).
    void melody(const float* piano, float* out) const;
    void harmony(int instrument, const float* own, const float* piano_next, float* out) const;  // 1..4

private:
    struct Trunk {  // bottleneck (Linear weights transposed, [in][out]) and decoder of one net
        int in = 256;
        torch::Tensor w1, b1, w2, b2, w3, b3;
        std::unique_ptr<BlockDecoder> decoder;
    };
    void run_trunk(const Trunk& t, const float* features, float* out) const;

    CnnOutput output_;
    bool shared_;
    std::unique_ptr<WeightArena> arena_;
    std::vector<BlockEncoder> encoders_;  // melody; then per harmony net its own-block encoder (and, separate, its piano encoder)
    std::vector<Trunk> trunks_;           // melody, guitar, bass, strings, drums
};

// model.json + model.pt of a run -> CnnInference, the tensors read from the mapped file (nn/archive_tensors)
// or, when that reader does not know the file or `mapped` is false, through torch's loader. The same checks
// as load_cnn_run: UsageError/FormatError on a missing run, another system or architecture, a wrong shape.
CnnInference load_cnn_inference(const std::filesystem::path& run_dir, bool mapped = true);

}  // namespace quintet
