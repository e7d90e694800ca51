#include "eval/set_metrics.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <random>

#include "eval/metric_value.hpp"
#include "roll/notes.hpp"
#include "util/error.hpp"

namespace quintet::eval {

void BarSet::add(const Multitrack& mt) {
    if (mt.resolution < 1) throw UsageError("resolution must be positive");
    if (tracks_ == 0) {
        tracks_ = mt.tracks.size();
        const std::size_t bits = tracks_ * static_cast<std::size_t>(grid_.steps_per_beat * grid_.beats_per_bar) * kPitches;
        words_ = (bits + 63) / 64;
    } else if (mt.tracks.size() != tracks_) {
        throw UsageError("all songs of a set need the same tracks: " + std::to_string(mt.tracks.size()) + " vs " +
                         std::to_string(tracks_));
    }
    if (tracks_ == 0) return;
    const std::size_t bar_steps = static_cast<std::size_t>(grid_.steps_per_beat * grid_.beats_per_bar);
    // Grid cells [floor(start * g / r), ceil(end * g / r)) with at least one cell per note.
    const auto g = static_cast<std::size_t>(grid_.steps_per_beat), r = static_cast<std::size_t>(mt.resolution);
    const std::size_t n_bars = (mt.steps() * g + r - 1) / r / bar_steps + 1;
    std::vector<std::uint64_t> song(n_bars * words_, 0);
    for (std::size_t ti = 0; ti < tracks_; ++ti)
        for (const Note& n : track_notes(mt.tracks[ti], static_cast<int>(ti))) {
            const std::size_t first = n.start * g / r;
            const std::size_t last = std::max(first + 1, ((n.start + n.length) * g + r - 1) / r);
            for (std::size_t c = first; c < last && c / bar_steps < n_bars; ++c) {
                const std::size_t bit = (ti * bar_steps + c % bar_steps) * kPitches + static_cast<std::size_t>(n.pitch);
                song[(c / bar_steps) * words_ + bit / 64] |= std::uint64_t{1} << (bit % 64);
            }
        }
    for (std::size_t b = 0; b < n_bars; ++b) {
        const std::uint64_t* w = song.data() + b * words_;
        std::size_t count = 0;
        for (std::size_t i = 0; i < words_; ++i) count += static_cast<std::size_t>(std::popcount(w[i]));
        // The last (partial) bar counts only if it has notes; empty bars are skipped on request.
        if (count == 0 && (grid_.skip_empty || b + 1 == n_bars)) continue;
        offer(w, count);
    }
}

void BarSet::append(const BarSet& other) {
    if (other.tracks_ == 0) return;
    if (tracks_ == 0) {
        tracks_ = other.tracks_;
        words_ = other.words_;
    } else if (other.tracks_ != tracks_ || other.words_ != words_) {
        throw UsageError("all songs of a set need the same tracks: " + std::to_string(other.tracks_) + " vs " +
                         std::to_string(tracks_));
    }
    for (std::size_t i = 0; i < other.size(); ++i) offer(other.bar(i), other.cells(i));
}

// Reservoir sampling (Algorithm R): the k-th bar offered replaces a random kept one with probability max/k.
void BarSet::offer(const std::uint64_t* bits, std::size_t cells) {
    const std::size_t k = seen_++;
    if (cells_.size() < grid_.max_bars) {
        bits_.insert(bits_.end(), bits, bits + words_);
        cells_.push_back(cells);
        return;
    }
    const std::size_t j = static_cast<std::size_t>(rng_() % (k + 1));
    if (j >= grid_.max_bars) return;
    std::copy(bits, bits + words_, bits_.begin() + static_cast<std::ptrdiff_t>(j * words_));
    cells_[j] = cells;
}

double bar_distance(const BarSet& a, std::size_t i, const BarSet& b, std::size_t j) {
    if (a.words_per_bar() != b.words_per_bar()) throw UsageError("bar sets of different shapes");
    const std::uint64_t* x = a.bar(i);
    const std::uint64_t* y = b.bar(j);
    std::size_t common = 0;
    for (std::size_t w = 0; w < a.words_per_bar(); ++w) common += static_cast<std::size_t>(std::popcount(x[w] & y[w]));
    const std::size_t either = a.cells(i) + b.cells(j) - common;
    return either == 0 ? 0.0 : 1.0 - static_cast<double>(common) / static_cast<double>(either);
}

Diversity diversity(const BarSet& bars, const DiversityOptions& o) {
    Diversity d;
    const std::size_t n = bars.size();
    d.bars = n;
    d.mean_pairwise_distance = kNaN;
    d.distinct_bar_share = kNaN;
    if (n == 0) return d;
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    const std::size_t words = bars.words_per_bar();
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return std::lexicographical_compare(bars.bar(a), bars.bar(a) + words, bars.bar(b), bars.bar(b) + words);
    });
    std::size_t distinct = 1;
    for (std::size_t k = 1; k < n; ++k)
        distinct += !std::equal(bars.bar(order[k]), bars.bar(order[k]) + words, bars.bar(order[k - 1]));
    d.distinct_bar_share = static_cast<double>(distinct) / static_cast<double>(n);
    if (n < 2) return d;
    double sum = 0;
    const std::size_t all_pairs = n * (n - 1) / 2;
    if (all_pairs <= o.max_pairs) {
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = i + 1; j < n; ++j) sum += bar_distance(bars, i, bars, j);
        d.pairs = all_pairs;
    } else {
        std::mt19937_64 rng(o.seed);
        std::uniform_int_distribution<std::size_t> pick(0, n - 1);
        for (std::size_t k = 0; k < o.max_pairs; ++k) {
            std::size_t i = pick(rng), j = pick(rng);
            while (j == i) j = pick(rng);
            sum += bar_distance(bars, i, bars, j);
        }
        d.pairs = o.max_pairs;
    }
    d.mean_pairwise_distance = sum / static_cast<double>(d.pairs);
    return d;
}

namespace {
// Up to `cap` indices of 0..n-1, evenly spaced (all of them when n <= cap).
std::vector<std::size_t> spread(std::size_t n, std::size_t cap) {
    std::vector<std::size_t> idx;
    const std::size_t m = std::min(n, cap);
    for (std::size_t k = 0; k < m; ++k) idx.push_back(k * n / m);
    return idx;
}
}  // namespace

Novelty novelty(const BarSet& generated, const BarSet& reference, const NoveltyOptions& o) {
    Novelty r;
    const auto gen = spread(generated.size(), o.max_generated);
    const auto ref = spread(reference.size(), o.max_reference);
    r.generated_bars = gen.size();
    r.reference_bars = ref.size();
    if (gen.empty() || ref.empty()) {
        r.mean_nearest_distance = r.copied_share = kNaN;
        return r;
    }
    double sum = 0;
    std::size_t copies = 0;
    for (std::size_t i : gen) {
        double best = 2;
        const double ci = static_cast<double>(generated.cells(i));
        for (std::size_t j : ref) {
            // Jaccard distance is at least 1 - min/max of the two cell counts: skip what cannot beat `best`.
            const double cj = static_cast<double>(reference.cells(j));
            const double lo = std::max(ci, cj) == 0 ? 0 : 1 - std::min(ci, cj) / std::max(ci, cj);
            if (lo >= best) continue;
            best = std::min(best, bar_distance(generated, i, reference, j));
            if (best == 0) break;
        }
        sum += best;
        copies += best == 0;
    }
    r.mean_nearest_distance = sum / static_cast<double>(gen.size());
    r.copied_share = static_cast<double>(copies) / static_cast<double>(gen.size());
    return r;
}

}  // namespace quintet::eval
