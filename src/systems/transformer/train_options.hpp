#pragma once
// Settings of a Transformer-XL training run (no torch here: the CLI includes it).
#include <cstdint>
#include <filesystem>
#include <string>

namespace quintet {

struct TransformerTrainConfig {
    std::filesystem::path corpus;
    std::filesystem::path run_dir;
    std::string vocab = "lpd5";          // five instruments (issue 12), or "musicautobot" (represent/music_tokens.hpp)
    std::string preset = "small";        // small (CPU default) or musicautobot (16 x 512, mem 512)
    int layers = 4, d_model = 256, heads = 4, d_inner = 1024, mem_len = 256;  // the small preset
    double dropout = 0.1;
    int epochs = 5;                      // the notebook's fit_one_cycle(5)
    int batch = 4;                       // the notebook's bs=4: parallel token streams
    int bptt = 128;                      // the notebook's bptt=128: tokens per segment
    double lr = 3e-3;                    // fastai's default max_lr for fit_one_cycle
    double weight_decay = 0.01;          // fastai's default (decoupled, AdamW)
    double clip = 0.5;                   // gradient norm clip (0: off); our choice, for stability at lr 3e-3
    int transpose = 6;                   // each song of each epoch is shifted by a uniform [-N, N] semitones (0: off)
    std::string device = "cpu";
    std::uint64_t seed = 1;
    bool resume = false;
    bool quiet = false;
    std::int64_t max_songs = 0;          // use at most this many training songs (0: all)
};

}  // namespace quintet
