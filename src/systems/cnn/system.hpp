#pragma once
// MelodyCNN + HarmonyCNNs as a System (no torch in this header): option tables, training, and a Sampler
// that loads a run once.
#include "systems/cnn/sample_options.hpp"
#include "systems/cnn/train_options.hpp"
#include "systems/system.hpp"

namespace quintet {

class CnnTrainSettings : public Settings {
public:
    CnnTrainSettings();
    CnnTrainSettings(const CnnTrainSettings&) = delete;  // the table points into this object
    OptionTable& options() override { return table_; }
    CnnTrainConfig config;

private:
    OptionTable table_;
};

class CnnSampleSettings : public Settings {
public:
    CnnSampleSettings();
    CnnSampleSettings(const CnnSampleSettings&) = delete;
    OptionTable& options() override { return table_; }
    // The generator's options for a request: UsageError for contradicting or bad choices.
    CnnGenerateOptions resolve(const SampleRequest& request) const;

    CnnGenerateOptions base;
    int blocks = -1;  // --blocks (-1: from --bars)
    std::string threshold = "auto";
    bool seed_from_corpus = false, seed_random = false;
    std::string keep;  // --keep piano,bass (with --from)

private:
    OptionTable table_;
};

class CnnSystem : public System {
public:
    std::string kind() const override { return "cnn"; }
    std::string summary() const override {
        return "the article's MelodyCNN + four conditional HarmonyCNNs: block by block, piano first";
    }
    std::unique_ptr<Settings> train_settings() const override { return std::make_unique<CnnTrainSettings>(); }
    std::unique_ptr<Settings> sample_settings() const override { return std::make_unique<CnnSampleSettings>(); }
    TrainResult train(const TrainRequest& request, const Settings& settings) override;
    bool trains_distributed() const override { return true; }
    std::unique_ptr<Sampler> open(const std::filesystem::path& run_dir, const std::string& device) override;
};

// Defined with the generator (the only place that needs torch).
std::unique_ptr<Sampler> open_cnn_sampler(const std::filesystem::path& run_dir, const std::string& device);

}  // namespace quintet
