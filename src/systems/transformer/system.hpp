#pragma once
// The Transformer-XL as a System (no torch in this header).
#include "systems/system.hpp"
#include "systems/transformer/sample_options.hpp"
#include "systems/transformer/train_options.hpp"

namespace quintet {

class TransformerTrainSettings : public Settings {
public:
    TransformerTrainSettings();
    TransformerTrainSettings(const TransformerTrainSettings&) = delete;  // the table points into this object
    OptionTable& options() override { return table_; }
    TransformerTrainConfig config;

private:
    OptionTable table_;
};

class TransformerSampleSettings : public Settings {
public:
    TransformerSampleSettings();
    TransformerSampleSettings(const TransformerSampleSettings&) = delete;
    OptionTable& options() override { return table_; }
    TransformerSampleConfig config;
    bool no_repeat_penalty = false;
    std::string keep;  // --keep piano,bass (with --from)

private:
    OptionTable table_;
};

class TransformerSystem : public System {
public:
    std::string kind() const override { return "transformer"; }
    std::string summary() const override {
        return "MusicAutobot's Transformer-XL over MIDI tokens (relative attention, segment memory)";
    }
    std::unique_ptr<Settings> train_settings() const override { return std::make_unique<TransformerTrainSettings>(); }
    std::unique_ptr<Settings> sample_settings() const override { return std::make_unique<TransformerSampleSettings>(); }
    TrainResult train(const TrainRequest& request, const Settings& settings) override;
    bool trains_distributed() const override { return true; }
    std::unique_ptr<Sampler> open(const std::filesystem::path& run_dir, const std::string& device) override;
    std::optional<SplitLikelihood> split_likelihood(const std::filesystem::path& run_dir, const std::filesystem::path& corpus,
                                                    const std::string& split, const std::string& device) override;
};

}  // namespace quintet
