#pragma once
// Trains the GRU next-note model from a corpus store into a run directory, and measures the likelihood of a
// split under a trained run (no torch in this header). SEED-SPEC 2.3: a language model on non-overlapping
// 64-token windows (input tokens 0..62, targets 1..63), cross-entropy, the global gradient norm clipped to 1,
// Adam 0.002 decayed by 0.99 per epoch; here in mini-batches of windows.
#include <optional>
#include <string>

#include "runs/curve.hpp"
#include "systems/note_gru/train_options.hpp"

namespace quintet {

struct NoteGruTrainResult {
    int epochs = 0;           // epochs completed (over all runs of this directory)
    double best_valid = 0;    // best valid NLL per token (the train NLL when there is no valid split)
    bool finished = false;    // every planned epoch ran (not stopped by the callback)
};

NoteGruTrainResult train_note_gru(const NoteGruTrainConfig& config, const EpochCallback& on_epoch = {});

// The mean NLL per token (nats) of one split ("train", "valid", "test") of a store under a run's model.pt:
// every token after the first of each song's sequence, predicted from the song's tokens before it; tokens
// outside the vocabulary count as <unk>. nullopt when the split has no song with a note on the run's track.
struct NoteGruLikelihood {
    double nll_per_token = 0;
    long long tokens = 0;
};
std::optional<NoteGruLikelihood> note_gru_split_likelihood(const std::filesystem::path& run_dir,
                                                           const std::filesystem::path& corpus, const std::string& split,
                                                           const std::string& device = "cpu");

}  // namespace quintet
