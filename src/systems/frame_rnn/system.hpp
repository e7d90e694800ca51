#pragma once
// The frame RNN as a System (no torch in this header): its option tables, training, a Sampler that loads a run
// once, and the NLL per step of a split.
#include "systems/frame_rnn/sample_options.hpp"
#include "systems/frame_rnn/train_options.hpp"
#include "systems/system.hpp"

namespace quintet {

class FrameRnnTrainSettings : public Settings {
public:
    FrameRnnTrainSettings();
    FrameRnnTrainSettings(const FrameRnnTrainSettings&) = delete;  // the table points into this object
    OptionTable& options() override { return table_; }
    FrameRnnTrainConfig config;

private:
    OptionTable table_;
};

class FrameRnnSampleSettings : public Settings {
public:
    FrameRnnSampleSettings();
    FrameRnnSampleSettings(const FrameRnnSampleSettings&) = delete;
    OptionTable& options() override { return table_; }
    FrameRnnGenerateOptions resolve(const SampleRequest& request) const;  // UsageError for a bad request
    FrameRnnGenerateOptions base;
    std::string keep;  // --keep: instruments of --from kept, "piano,bass"

private:
    OptionTable table_;
};

class FrameRnnSystem : public System {
public:
    std::string kind() const override { return kFrameRnnKind; }
    std::string summary() const override {
        return "the article's multi-instrument frame RNN: a GRU over 5 x 128 frames, Bernoulli, softmax or per-instrument output";
    }
    std::unique_ptr<Settings> train_settings() const override { return std::make_unique<FrameRnnTrainSettings>(); }
    std::unique_ptr<Settings> sample_settings() const override { return std::make_unique<FrameRnnSampleSettings>(); }
    TrainResult train(const TrainRequest& request, const Settings& settings) override;
    bool trains_distributed() const override { return true; }
    std::unique_ptr<Sampler> open(const std::filesystem::path& run_dir, const std::string& device) override;
    // NLL per time step, summed over the frame's outputs (nats); see docs/frame_rnn.md.
    std::optional<SplitLikelihood> split_likelihood(const std::filesystem::path& run_dir, const std::filesystem::path& corpus,
                                                    const std::string& split, const std::string& device) override;
};

}  // namespace quintet
