#pragma once
// Sampling settings of the Transformer-XL (MusicAutobot's MusicLearner.predict, with top-k 30 and top-p 0.6; our
// defaults differ where measured better: docs/RESULTS.md, bench/transformer/sampling_sweep.sh). No torch.
#include <filesystem>
#include <vector>

namespace quintet {

struct TransformerSampleConfig {
    // top-p 0.9 and temperatures 1.2: the songs' notes per bar and silent beats came closest to the corpus of the
    // settings measured (MusicAutobot's top-p 0.6 at temperature 1: 1.2 notes per bar against 13.8, 61 % silent beats).
    double note_temperature = 1.2;      // temperatures[0]: drawing a note or an advance
    double duration_temperature = 1.2;  // temperatures[1]: drawing a duration
    int top_k = 30;
    double top_p = 0.9;
    bool repeat_penalty = true;
    bool recompute = false;             // no key/value cache: re-run the last mem_len + 1 tokens for every token
    // Regenerate a song (lpd5 runs): the instruments in `keep` (LPD-5 families) are the song's, forced into the
    // token stream in their places while the model draws the others (TransformerGenerator::generate_ids).
    std::filesystem::path from;
    std::vector<int> keep;
};

}  // namespace quintet
