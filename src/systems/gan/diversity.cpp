#include "systems/gan/diversity.hpp"

#include <bit>
#include <set>

#include "util/error.hpp"

namespace quintet {

SampleDiversity sample_diversity(const std::vector<std::uint8_t>& cells, std::size_t samples) {
    if (samples == 0 || cells.size() % samples != 0) throw Error("sample_diversity: cells do not split into equal samples");
    const std::size_t size = cells.size() / samples, words = (size + 63) / 64;
    // Bit-packed, so a pair costs size / 64 AND/OR + popcounts.
    std::vector<std::uint64_t> bits(samples * words, 0);
    std::size_t on = 0;
    for (std::size_t s = 0; s < samples; ++s)
        for (std::size_t i = 0; i < size; ++i)
            if (cells[s * size + i]) {
                bits[s * words + i / 64] |= std::uint64_t{1} << (i % 64);
                ++on;
            }
    SampleDiversity d;
    d.density = double(on) / double(cells.size());
    double total = 0;
    std::size_t pairs = 0;
    for (std::size_t a = 0; a < samples; ++a)
        for (std::size_t b = a + 1; b < samples; ++b, ++pairs) {
            std::size_t both = 0, either = 0;
            for (std::size_t w = 0; w < words; ++w) {
                both += std::size_t(std::popcount(bits[a * words + w] & bits[b * words + w]));
                either += std::size_t(std::popcount(bits[a * words + w] | bits[b * words + w]));
            }
            total += either == 0 ? 0.0 : 1.0 - double(both) / double(either);
        }
    d.mean_jaccard_distance = pairs ? total / double(pairs) : 0.0;
    std::set<std::vector<std::uint64_t>> distinct;
    for (std::size_t s = 0; s < samples; ++s)
        distinct.emplace(bits.begin() + std::ptrdiff_t(s * words), bits.begin() + std::ptrdiff_t((s + 1) * words));
    d.distinct_share = double(distinct.size()) / double(samples);
    return d;
}

}  // namespace quintet
