#pragma once
// The VAE-NN as a System (no torch in this header): its option tables, training and a Sampler that
// loads a run once.
#include "systems/system.hpp"
#include "systems/vae_nn/sample_options.hpp"
#include "systems/vae_nn/train_options.hpp"

namespace quintet {

// The VAE-NN's own training settings; corpus, run directory, device, seed, resume and quiet come from the
// TrainRequest.
class VaeNnTrainSettings : public Settings {
public:
    VaeNnTrainSettings();
    VaeNnTrainSettings(const VaeNnTrainSettings&) = delete;  // the table points into this object
    OptionTable& options() override { return table_; }
    VaeNnTrainConfig config;

private:
    OptionTable table_;
};

// The VAE-NN's own sampling settings; length, seed, tempo and prime come from the SampleRequest.
class VaeNnSampleSettings : public Settings {
public:
    VaeNnSampleSettings();
    VaeNnSampleSettings(const VaeNnSampleSettings&) = delete;
    OptionTable& options() override { return table_; }
    // The generator's options for a request: UsageError for contradicting choices.
    VaeNnGenerateOptions resolve(const SampleRequest& request) const;

    VaeNnGenerateOptions base;  // noise, threshold, style, alpha, seed block
    int blocks = -1;                // --blocks: length in 16-beat blocks (-1: from --bars)
    std::filesystem::path seed_file;  // --seed-file: the older name of --prime
    std::string noise_at = "predicted", threshold = "auto", repeat = "auto", max_polyphony = "auto", seed_band = "any", seed_pick = "spread";
    std::filesystem::path from;  // --from: a song to regenerate
    std::string keep;            // --keep: instruments of --from kept, "piano,bass"
    bool seed_from_corpus = false, seed_random = false, binarize = false, velocity = false;

private:
    OptionTable table_;
};

class VaeNnSystem : public System {
public:
    std::string kind() const override { return "vae-nn"; }
    std::string summary() const override {
        return "the article's VAE-NN: per-instrument conv VAEs, then latent MLPs (melody net + conditional nets)";
    }
    std::unique_ptr<Settings> train_settings() const override { return std::make_unique<VaeNnTrainSettings>(); }
    std::unique_ptr<Settings> sample_settings() const override { return std::make_unique<VaeNnSampleSettings>(); }
    TrainResult train(const TrainRequest& request, const Settings& settings) override;
    bool trains_distributed() const override { return true; }
    std::unique_ptr<Sampler> open(const std::filesystem::path& run_dir, const std::string& device) override;
};

// 4/4 bars -> 16-beat blocks, rounded up.
inline int blocks_for_bars(int bars) { return (bars + 3) / 4; }

}  // namespace quintet
