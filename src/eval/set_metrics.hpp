#pragma once
// Metrics of a SET of songs: diversity (how different its bars are from each other) and novelty (how far
// generated bars are from the nearest training bar, so copying shows). Bars are binarised on a common
// grid (default 16th notes, 4 beats per bar) over all tracks, whatever each song's resolution.
// Distance between two bars = Jaccard distance of their active cells: |A xor B| / |A or B|.
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "roll/multitrack.hpp"

namespace quintet::eval {

struct BarGrid {
    int steps_per_beat = 4;  // 16th notes
    int beats_per_bar = 4;
    bool skip_empty = true;  // leave out bars without any note
    // A set keeps at most this many bars: beyond it, a uniform sample (reservoir sampling with a fixed
    // seed, so the same songs in the same order give the same sample). 50,000 bars are ~64 MiB; the
    // LPD-5 corpus has over a million.
    std::size_t max_bars = 50000;
    std::uint64_t seed = 1;
};

// Bars of several songs, each a bit set of tracks x steps x 128 pitches.
class BarSet {
public:
    explicit BarSet(BarGrid grid = {}) : grid_(grid), rng_(grid.seed) {}
    // Adds every bar of a song (a note fills the grid cells its span covers). All songs of a set must
    // have the same number of tracks (UsageError otherwise).
    void add(const Multitrack& mt);
    // Appends the bars of another set on the same grid (UsageError if its tracks differ).
    void append(const BarSet& other);
    std::size_t size() const { return cells_.size(); }  // bars kept (the sample)
    std::size_t seen() const { return seen_; }          // bars offered, kept or not
    std::size_t words_per_bar() const { return words_; }
    const std::uint64_t* bar(std::size_t i) const { return bits_.data() + i * words_; }
    std::size_t cells(std::size_t i) const { return cells_[i]; }

private:
    void offer(const std::uint64_t* bits, std::size_t cells);
    BarGrid grid_;
    std::mt19937_64 rng_;
    std::size_t seen_ = 0;
    std::size_t tracks_ = 0, words_ = 0;
    std::vector<std::uint64_t> bits_;
    std::vector<std::size_t> cells_;
};

double bar_distance(const BarSet& a, std::size_t i, const BarSet& b, std::size_t j);

struct DiversityOptions {
    std::size_t max_pairs = 200000;  // all pairs below this, else this many random pairs (fixed seed)
    std::uint64_t seed = 1;
};
struct Diversity {
    std::size_t bars = 0;
    double mean_pairwise_distance = 0;  // NaN with fewer than 2 bars
    double distinct_bar_share = 0;      // distinct bars / bars; NaN with no bar
    std::size_t pairs = 0;              // pairs the mean is over
};
Diversity diversity(const BarSet& bars, const DiversityOptions& options = {});

struct NoveltyOptions {
    std::size_t max_generated = 500;    // generated bars looked at (evenly spaced beyond this)
    std::size_t max_reference = 10000;  // reference bars searched (evenly spaced beyond this)
};
struct Novelty {
    std::size_t generated_bars = 0, reference_bars = 0;  // those compared
    double mean_nearest_distance = 0;  // mean over generated bars of the distance to the nearest reference bar
    double copied_share = 0;           // generated bars identical to some reference bar
};
Novelty novelty(const BarSet& generated, const BarSet& reference, const NoveltyOptions& options = {});

}  // namespace quintet::eval
