#pragma once
// The VAE-NN generation loop (SEED-SPEC section 9) and style conditioning (section 10), on a loaded run.
#include <torch/torch.h>

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "corpus/store.hpp"
#include "systems/vae_nn/block_rules.hpp"
#include "systems/vae_nn/sample_options.hpp"
#include "systems/vae_nn/song_prior.hpp"
#include "systems/vae_nn/inference.hpp"
#include "systems/vae_nn/model.hpp"
#include "roll/multitrack.hpp"

namespace quintet {

// Per instrument (VAE-NN order), the latents [M_i, K] a style draws from; M_i may be 0 (not mixed).
struct StyleLibrary {
    std::vector<torch::Tensor> latents;
    bool empty() const;
};

// z [1, 5, K]: for every instrument with a non-empty library, draw one latent s (uniformly, from rng)
// and return alpha * s + (1 - alpha) * z for that instrument; others unchanged.
torch::Tensor mix_style(const torch::Tensor& z, const StyleLibrary& library, double alpha, std::mt19937_64& rng);

class VaeNnGenerator {
public:
    // Loads model.json + model.pt; UsageError/FormatError on a missing or foreign run directory.
    VaeNnGenerator(const std::filesystem::path& run_dir, const std::string& device = "cpu");

    // A whole song: 5 LPD-5 tracks (Drums, Piano, Guitar, Bass, Strings) at 2 steps per beat.
    Multitrack generate(const VaeNnGenerateOptions& options);

    // The pieces, public for tests and benchmarks.
    torch::Tensor seed_window(const VaeNnGenerateOptions& options, std::mt19937_64& rng, torch::Generator& gen);
    StyleLibrary style_library(const std::vector<Multitrack>& songs);
    std::vector<Multitrack> style_songs(const VaeNnGenerateOptions& options);
    // rolls [5, 32 * blocks, 128] in [0, 1], the seed block first; `repeats` (when given) gets the repeat rule's
    // record of the song (which bars were copied, for restrike_copied_bars).
    torch::Tensor generate_rolls(const torch::Tensor& seed, const VaeNnGenerateOptions& options,
                                 const StyleLibrary& style, std::mt19937_64& rng, torch::Generator& gen,
                                 BarRepeats* repeats = nullptr);
    // The run's modules on the device; on the CPU loaded on first use (the fast path does not need them).
    VaeNnModel& model();
    // On the CPU generation runs on VaeNnInference (weights loaded straight from model.pt and packed once,
    // empty regions of the fed-back blocks skipped); other devices, or use_fast_path(false), go through the
    // model's modules. The same values up to float rounding (tests/generate/vae_generation_test.cpp).
    void use_fast_path(bool on) { use_fast_ = on; }
    bool fast_path() const { return use_fast_ && fast_ != nullptr; }
    // The thresholds generation applies per instrument (VAE-NN order): --threshold, else the run's
    // calibrated ones, else kUncalibratedThreshold.
    std::array<double, kVaeInstruments> thresholds(const VaeNnGenerateOptions& options) const;
    static constexpr double kUncalibratedThreshold = 0.3;  // the original's (SEED-SPEC 9.1)
    // Thresholds plus the run's corpus rules (song_prior.hpp) as the options ask for them.
    BlockRules block_rules(const VaeNnGenerateOptions& options) const;
    // The encoded latent [K] (CPU) of a random train window of the run's corpus where the instrument plays;
    // undefined when the corpus is gone or none is found.
    torch::Tensor revival_latent(int instrument, std::mt19937_64& rng);

private:
    // --from with --keep: the song's blocks as the output keeps them [blocks, 5, 32, 128] and which
    // instruments are kept; undefined/empty otherwise. Set by generate() for the loops.
    torch::Tensor kept_blocks_;
    std::vector<int> kept_;
    std::filesystem::path run_dir_;
    std::filesystem::path corpus_;
    torch::Device device_;
    VaeNnModel model_{nullptr};
    std::unique_ptr<VaeNnInference> fast_;  // CPU only
    bool use_fast_ = true;
    std::optional<std::array<double, kVaeInstruments>> calibrated_;  // model.json
    std::optional<SongPrior> prior_;                                 // model.json
    std::unique_ptr<CorpusStore> corpus_store_;                      // corpus_, opened on first use (seeds, revivals, styles)

    // z [1, 5, K]: the latent of every instrument due for revival becomes revival_latent's.
    void revive_silent(torch::Tensor& z, SilenceWatch& watch, std::mt19937_64& rng);

    torch::Tensor generate_rolls_fast(const torch::Tensor& seed, const VaeNnGenerateOptions& options,
                                      const StyleLibrary& style, std::mt19937_64& rng, torch::Generator& gen,
                                      BarRepeats* repeats);
    int latent() const;
    // The run's corpus store, opened once and kept; null when the corpus is gone.
    CorpusStore* corpus_store();
};

}  // namespace quintet
