#pragma once
// Songs from a trained DCGAN (SEED-SPEC 11.5, with its drums kept): G's samples laid end to end with no gap,
// optionally after the opening bars of the user's music. The GAN is unconditional: the samples do not continue
// the prime musically, they follow it.
#include <torch/torch.h>

#include <array>
#include <filesystem>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "nn/sampling.hpp"
#include "roll/multitrack.hpp"
#include "systems/gan/model.hpp"
#include "systems/gan/options.hpp"

namespace quintet {

// G's probabilities [n, 5, S, P] -> note values: a cell sounds when its probability reaches its channel's
// threshold, or (rng given) when a uniform draw falls below it. A sounding cell gets kGanNoteValue (velocity
// 101, as the VAE-NN's binarised notes): G learnt binarised rolls, so its probability says whether a cell
// sounds, not how loud. (The original's `x[x < 0.7] = 0; x * 127` made velocity the probability; at a
// calibrated threshold of a few hundredths that would be inaudible, below 1/127 even dropped.)
inline constexpr double kGanNoteValue = 0.8;
torch::Tensor notes_from_probabilities(const torch::Tensor& probabilities, const std::array<double, kGanChannels>& thresholds,
                                       SamplingRng* rng = nullptr);
torch::Tensor notes_from_probabilities(const torch::Tensor& probabilities, double threshold, SamplingRng* rng = nullptr);

// Blocks [n, 5, S, P] of note values -> an LPD-5 Multitrack at shape.resolution, block i at step i * S, the
// pitch columns at shape.lowest_pitch.
Multitrack blocks_to_multitrack(const torch::Tensor& blocks, const GanShape& shape, double tempo);

class GanSongMaker {
public:
    // Loads config.json + model.pt; UsageError/FormatError for a missing run or one of another system.
    GanSongMaker(const std::filesystem::path& run_dir, const std::string& device = "cpu");

    Multitrack generate(const GanGenerateOptions& options);  // with options.from: regenerate()
    // --from/--keep: the song's kept instruments, and G's others at the noise the latent search finds.
    Multitrack regenerate(const GanGenerateOptions& options);
    // search_latents (below) on this run's G from the noise sample_probabilities draws with `seed`.
    torch::Tensor search_latents(const torch::Tensor& target, const std::vector<int>& kept, std::uint64_t seed, int steps,
                                 std::pair<double, double>* losses = nullptr);
    // n samples of G (eval mode) from noise drawn with `seed`: probabilities [n, 5, S, P] on the CPU.
    torch::Tensor sample_probabilities(std::int64_t n, std::uint64_t seed);
    const GanShape& shape() const { return nets_.settings.shape; }
    // How many samples a song of `bars` bars takes after `prime_steps` steps of prime.
    int samples_for(int bars, std::size_t prime_steps) const;
    // Per channel: the option's threshold when set, else the run's calibrated ones, else the original's 0.7.
    std::array<double, kGanChannels> thresholds(const GanGenerateOptions& options) const;

private:
    std::filesystem::path run_dir_;
    torch::Device device_;
    GanNets nets_;
    std::optional<std::array<double, kGanChannels>> calibrated_;  // thresholds.json
};

// The latent search of --from/--keep: from noise z0 [n, d], `steps` Adam steps (lr 0.05) on the BCE between
// g(z)'s `kept` channels and target's (g: [n, d] -> probabilities [n, C, S, P]; target: 1 where the song
// sounds), the sounding cells weighted by their scarcity (silent cells / sounding ones, clamped to 1..100),
// plus 0.001 mean(z^2) to stay where G was trained. Returns z; `losses`, when given: before and after.
torch::Tensor search_latents(const std::function<torch::Tensor(const torch::Tensor&)>& g, torch::Tensor z0,
                             const torch::Tensor& target, const std::vector<int>& kept, int steps,
                             std::pair<double, double>* losses = nullptr);

// The opening of a prime file at `resolution`: its first `bars` 4/4 bars (fewer when it is shorter, cut at
// its last note rounded up to a bar), LPD-5 tracks. UsageError when it has no notes.
Multitrack prime_opening(const std::filesystem::path& file, int resolution, int bars);

}  // namespace quintet
