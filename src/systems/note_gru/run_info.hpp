#pragma once
// model.json of a note-GRU run (no torch): the token scheme and the network's shape, written before any
// checkpoint and checked before one is loaded. vocabulary.tsv beside it holds the tokens.
#include <cstdint>
#include <filesystem>
#include <string>

#include "represent/note_tokens.hpp"

namespace quintet {

inline constexpr const char* kNoteGruModelKind = "note-rnn";
inline constexpr int kNoteGruFormat = 1;
inline constexpr const char* kVocabularyFile = "vocabulary.tsv";

struct NoteGruRunInfo {
    std::string model = kNoteGruModelKind;
    int format = kNoteGruFormat;
    std::filesystem::path corpus;  // the store it was trained on (absolute): primers and split likelihoods
    std::string track = "piano";   // LPD-5 family, lower case
    NoteTokenSpec tokens;
    int window = 64;
    int embedding = 96, hidden = 96, layers = 2;
    bool all_layers = true;        // the decoder reads every layer's state (readout "all-layers")
    std::int64_t vocabulary = 0;   // tokens, <unk> included
};

// "drums" .. "strings" -> the LPD-5 family index (0 Drums, 1 Piano, 2 Guitar, 3 Bass, 4 Strings); UsageError otherwise.
int note_gru_family(const std::string& track);

void write_note_gru_run_info(const std::filesystem::path& run_dir, const NoteGruRunInfo& info);
// UsageError when run_dir or its model.json is missing; FormatError when model.json is malformed or describes
// another model (a VAE-NN run: "holds a 'vae-nn' model, not a note-rnn").
NoteGruRunInfo read_note_gru_run_info(const std::filesystem::path& run_dir);

}  // namespace quintet
