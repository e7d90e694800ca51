#pragma once
// Settings of a frame-RNN training run (no torch here: the CLI includes it). SEED-SPEC section 3.
#include <cstdint>
#include <filesystem>
#include <string>

namespace quintet {

inline constexpr const char* kFrameRnnKind = "frame-rnn";

struct FrameRnnTrainConfig {
    std::filesystem::path corpus;   // training store (corpus/store.hpp)
    std::filesystem::path run_dir;  // output: config.json, curve.csv/.png, model.pt, last.pt
    // The frame: which tracks, which pitches, how many steps per beat (0: the store's own).
    std::string tracks = "piano,guitar,bass,strings,drums";  // the article's order (SEED-SPEC 1.2)
    std::string pitch_range = "0-127";
    int resolution = 0;
    // bernoulli: a sigmoid per cell (BCE), the standard polyphonic model; softmax: one softmax over the frame;
    // per-instrument: one softmax per track.
    std::string output = "bernoulli";
    // Defaults from the JSB Chorales measurements (docs/RESULTS.md): a 384 state with dropout 0.5 beat 256 with 0.3.
    int hidden = 384;
    int layers = 1;
    double dropout = 0.5;           // on the GRU's output (and between layers)
    double input_dropout = 0.0;     // on the input frames
    int window = 32;                // predicted steps per training sequence (the article's 32); 0: whole songs
    int transpose = 0;              // augmentation: each training piece moved by a random -N..N semitones
    int epochs = 30;
    int batch = 16;
    double lr = 2e-3;
    double lr_decay = 1.0;          // the learning rate is lr * lr_decay^(epoch - 1)
    double weight_decay = 0;
    double clip = 1.0;              // global gradient norm; 0: off
    int early_stop = 0;             // patience in epochs without a better valid NLL; 0: off
    std::string device = "cpu";
    std::uint64_t seed = 1;
    bool resume = false;
    bool quiet = false;
};

}  // namespace quintet
