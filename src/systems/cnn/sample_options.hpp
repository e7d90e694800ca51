#pragma once
// Settings of MelodyCNN + HarmonyCNN generation (no torch here: the CLI includes it).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

namespace quintet {

// Where the first block (itself the output's first block) comes from.
enum class CnnSeedSource {
    Auto,    // a corpus window if the run's corpus can still be opened, else Random
    File,    // prime (.mid/.midi or .npz), block prime_block
    Corpus,  // a window of a random train song, among those where the most instruments play
    Random,  // each cell a note with its instrument's note density in the training windows
};

struct CnnGenerateOptions {
    int blocks = 16;                   // 32-step blocks (16 beats) in the output, the seed block included
    CnnSeedSource seed_source = CnnSeedSource::Auto;
    std::filesystem::path prime;
    int prime_block = 0;               // which 32-step block of the prime opens the song
    // Output values below the threshold are silence. Unset: the run's per-instrument thresholds (best valid F1).
    std::optional<double> threshold;
    // Monte-Carlo dropout: at generation each encoder's dropout layers drop activations with this
    // probability (0: the deterministic nets, as the original). A way out of "MelodyCNN All Same".
    double sample_dropout = 0;
    double tempo = 120;
    std::uint64_t seed = 1;            // every random draw; the same seed gives the same song
    // Regenerate a song: its first block opens the output, which has its length; the instruments in `keep`
    // (LPD-5 families) are the song's at every block and the nets make the others given them.
    std::filesystem::path from;
    std::vector<int> keep;
};

}  // namespace quintet
