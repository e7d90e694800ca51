#pragma once
// Settings of a note-GRU training run (no torch here: the CLI includes it). SEED-SPEC section 2.
#include <cstdint>
#include <filesystem>
#include <string>

namespace quintet {

struct NoteGruTrainConfig {
    std::filesystem::path corpus;   // training store
    std::filesystem::path run_dir;  // output: config.json, model.json, vocabulary.tsv, curve, model.pt, last.pt
    std::string track = "piano";    // the LPD-5 family whose notes are tokens
    std::string tokens = "steps";   // "steps" (grid steps with hold/rest) or "events" (the article's onset sets)
    std::string chord_tokens = "pitch";  // "pitch" (chords with octaves) or "pitch-class" (the original's chords)
    int resolution = 2;             // grid steps per beat (onsets are snapped to it)
    int min_count = 2;              // tokens seen fewer times in the train split become <unk>
    int window = 64;                // tokens per training window (the original: 64, non-overlapping)
    int embedding = 96;
    int hidden = 96;
    int layers = 2;
    std::string readout = "all-layers";  // the decoder reads every layer's state (the original) or the top one
    int epochs = 40;                // the original's main run
    int batch = 32;                 // windows per step (the original: 1; chosen by measurement, docs/note_gru.md)
    double lr = 0.002;              // Adam
    double lr_decay = 0.99;         // per epoch
    double clip = 1.0;              // global gradient-norm limit
    int early_stop = 0;             // epochs without a better valid NLL before stopping; 0 = off
    std::int64_t max_windows = 0;   // use at most this many training windows (whole songs); 0 = all
    std::string device = "cpu";
    std::uint64_t seed = 1;
    bool resume = false;
    bool quiet = false;
};

}  // namespace quintet
