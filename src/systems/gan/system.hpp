#pragma once
// The DCGAN as a System (no torch in this header): its option tables, training, and a Sampler that loads a
// run once.
#include "systems/gan/options.hpp"
#include "systems/system.hpp"

namespace quintet {

class GanTrainSettings : public Settings {
public:
    GanTrainSettings();
    GanTrainSettings(const GanTrainSettings&) = delete;  // the table points into this object
    OptionTable& options() override { return table_; }
    GanTrainConfig config;

private:
    OptionTable table_;
};

class GanSampleSettings : public Settings {
public:
    GanSampleSettings();
    GanSampleSettings(const GanSampleSettings&) = delete;
    OptionTable& options() override { return table_; }
    GanGenerateOptions resolve(const SampleRequest& request) const;  // the request's length, seed, tempo, prime
    GanGenerateOptions base;
    std::string threshold = "auto";  // parse_gan_threshold
    std::string keep;                // --keep piano,bass (with --from)

private:
    OptionTable table_;
};

class GanSystem : public System {
public:
    std::string kind() const override { return "gan"; }
    std::string summary() const override {
        return "the article's DCGAN: noise -> 6 transposed convs -> a 5-track block; stabilisers and WGAN-GP as switches";
    }
    std::unique_ptr<Settings> train_settings() const override { return std::make_unique<GanTrainSettings>(); }
    std::unique_ptr<Settings> sample_settings() const override { return std::make_unique<GanSampleSettings>(); }
    TrainResult train(const TrainRequest& request, const Settings& settings) override;
    bool trains_distributed() const override { return true; }
    std::unique_ptr<Sampler> open(const std::filesystem::path& run_dir, const std::string& device) override;
};

}  // namespace quintet
