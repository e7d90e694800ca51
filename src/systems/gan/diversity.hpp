#pragma once
// How different a GAN's samples are from each other: mode collapse as a number (no torch).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace quintet {

struct SampleDiversity {
    double mean_jaccard_distance = 0;  // over all pairs: 1 - |a and b| / |a or b|; two silent samples count 0
    double distinct_share = 0;         // distinct samples / samples
    double density = 0;                // share of cells that are on
};

// `cells` holds `samples` binary samples (non-zero = on) of equal size, one after another.
SampleDiversity sample_diversity(const std::vector<std::uint8_t>& cells, std::size_t samples);

}  // namespace quintet
