#pragma once
// Generation with a trained CNN run, block by block as the article: from a seed block, the MelodyCNN
// predicts the next piano block, then each HarmonyCNN its instrument's next block from its own previous
// block and the new piano block; each block is thresholded (per instrument), binarised, and fed back.
#include <torch/torch.h>

#include <array>
#include <filesystem>
#include <memory>
#include <optional>

#include "nn/sampling.hpp"
#include "roll/multitrack.hpp"
#include "systems/cnn/cnn_nets.hpp"
#include "systems/cnn/inference.hpp"
#include "systems/cnn/sample_options.hpp"

namespace quintet {

class CnnGenerator {
public:
    // Loads model.json + model.pt; UsageError/FormatError on a missing or foreign run directory.
    CnnGenerator(const std::filesystem::path& run_dir, const std::string& device = "cpu");
    ~CnnGenerator();

    // A whole song: 5 LPD-5 tracks at 2 steps per beat; the seed block first.
    Multitrack generate(const CnnGenerateOptions& options);

    // The pieces, public for tests and benchmarks.
    torch::Tensor seed_block(const CnnGenerateOptions& options, SamplingRng& rng);  // [5, 32, 128] in [0, 1]
    // rolls [5, 32 * blocks, 128]: the seed block (binarised) and the generated blocks.
    torch::Tensor generate_rolls(const torch::Tensor& seed, const CnnGenerateOptions& options, SamplingRng& rng);
    // One step: block t [5, 32, 128] -> block t+1 as the song keeps it (thresholded, binarised);
    // `activated`, when given, receives the nets' outputs before the thresholds. On the CPU without dropout it
    // runs on CnnInference (the fast path); otherwise on the packed torch weights, where dropout > 0 draws
    // Monte-Carlo dropout masks from rng.
    // `given` [5, 32, 128] with `kept`: the kept channels of block t+1 are given's (a given piano leads the
    // harmony nets); such steps run on the packed torch weights.
    torch::Tensor predict_next(const torch::Tensor& current, const torch::Tensor& thresholds, double dropout,
                               SamplingRng& rng, torch::Tensor* activated = nullptr, const torch::Tensor* given = nullptr,
                               const std::array<bool, 5>* kept = nullptr);
    // --from/--keep: the song's first block, then block by block its kept instruments and the nets' others.
    Multitrack regenerate(const CnnGenerateOptions& options);
    // The same step through the modules (no dropout): the oracle of the packed path in the tests.
    torch::Tensor predict_next_modules(const torch::Tensor& current, const torch::Tensor& thresholds,
                                       torch::Tensor* activated = nullptr);
    std::array<double, 5> thresholds(const CnnGenerateOptions& options) const;
    torch::Tensor threshold_tensor(const CnnGenerateOptions& options) const;  // [5, 1, 1] on the device
    // The run's modules on the device; on the CPU loaded on first use (the fast path does not need them).
    CnnBand& band();
    // The CPU fast path (CnnInference) for steps without dropout; off: the packed torch weights (tests).
    void use_fast_path(bool on) { use_fast_ = on; }
    bool fast_path() const { return use_fast_ && fast_ != nullptr; }

    struct Packed;  // the five nets' weights laid out for single-block GEMMs, BatchNorm folded in

private:
    std::filesystem::path run_dir_, corpus_;
    torch::Device device_;
    CnnBand band_{nullptr};
    std::optional<std::array<double, 5>> calibrated_;
    std::array<double, 5> density_{};
    std::unique_ptr<Packed> packed_;            // built on first use
    std::unique_ptr<CnnInference> fast_;        // CPU only
    bool use_fast_ = true;
    Packed& packed();
    torch::Tensor generate_rolls_fast(const torch::Tensor& seed, const CnnGenerateOptions& options);
};

}  // namespace quintet
