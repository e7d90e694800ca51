#pragma once
// Settings of a MelodyCNN + HarmonyCNN training run (no torch here: the CLI includes it).
#include <cstdint>
#include <filesystem>
#include <string>

namespace quintet {

struct CnnTrainConfig {
    std::filesystem::path corpus;     // training store (corpus/store.hpp)
    std::filesystem::path run_dir;    // output: config.json, model.json, curve.csv/.png, model.pt, last.pt
    std::string harmony_encoders = "shared";  // the original code's; "separate": the article's (one per input)
    std::string loss = "bce";         // BCE on the sigmoid output; "mse": the original's ReLU output with MSE
    int epochs = 10;
    int batch = 100;                  // window pairs per batch
    double lr = 1e-3;                 // Adam (not stated in the original: SEED-SPEC 16)
    std::string device = "cpu";
    std::uint64_t seed = 1;
    bool resume = false;
    int early_stop = 0;               // patience in epochs without a better valid loss; 0 = off
    std::int64_t max_windows = 0;     // cap on training windows (whole songs); 0 = all
    bool quiet = false;
};

}  // namespace quintet
