#pragma once
// The GRU next-note model as a System (no torch in this header): kind "note-rnn" (alias "note-gru"), its
// option tables, training, a Sampler that loads a run once, and the likelihood of a split.
#include "systems/note_gru/sample_options.hpp"
#include "systems/note_gru/train_options.hpp"
#include "systems/system.hpp"

namespace quintet {

class NoteGruTrainSettings : public Settings {
public:
    NoteGruTrainSettings();
    NoteGruTrainSettings(const NoteGruTrainSettings&) = delete;  // the table points into this object
    OptionTable& options() override { return table_; }
    NoteGruTrainConfig config;

private:
    OptionTable table_;
};

// Length, seed, tempo and the primer file come from the SampleRequest.
class NoteGruSampleSettings : public Settings {
public:
    NoteGruSampleSettings();
    NoteGruSampleSettings(const NoteGruSampleSettings&) = delete;
    OptionTable& options() override { return table_; }
    NoteGruGenerateOptions resolve(const SampleRequest& request) const;  // UsageError on a bad request
    NoteGruGenerateOptions base;

private:
    OptionTable table_;
};

class NoteGruSystem : public System {
public:
    std::string kind() const override { return "note-rnn"; }
    std::string summary() const override {
        return "the article's GRU next-note model: one instrument as note tokens (steps or events), a GRU language model";
    }
    std::unique_ptr<Settings> train_settings() const override { return std::make_unique<NoteGruTrainSettings>(); }
    std::unique_ptr<Settings> sample_settings() const override { return std::make_unique<NoteGruSampleSettings>(); }
    TrainResult train(const TrainRequest& request, const Settings& settings) override;
    bool trains_distributed() const override { return true; }
    std::unique_ptr<Sampler> open(const std::filesystem::path& run_dir, const std::string& device) override;
    std::optional<SplitLikelihood> split_likelihood(const std::filesystem::path& run_dir, const std::filesystem::path& corpus,
                                                    const std::string& split, const std::string& device) override;
};

}  // namespace quintet
