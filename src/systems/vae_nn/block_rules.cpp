#include "systems/vae_nn/block_rules.hpp"

#include <algorithm>
#include <cstring>

namespace quintet {

namespace {

// A block: 32 steps x 128 pitches (the VAE-NN window). Names of their own: this file joins unity batches.
constexpr int kRuleSteps = 32, kRulePitches = 128, kRuleCells = kRuleSteps * kRulePitches;

bool has_notes(const float* cells, int n = kRuleCells) {
    return std::any_of(cells, cells + n, [](float v) { return v > 0; });
}

// Keeps the `cap` largest values at or above t in one step (ties: the lower pitch first); the rest become 0.
void cap_step(float* step, float t, int cap) {
    int above = 0;
    for (int p = 0; p < kRulePitches; ++p) above += step[p] >= t;
    if (above <= cap) return;
    std::array<int, kRulePitches> order;
    for (int p = 0; p < kRulePitches; ++p) order[std::size_t(p)] = p;
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return step[a] > step[b]; });
    for (int k = cap; k < kRulePitches; ++k) step[order[std::size_t(k)]] = 0;
}

}  // namespace

bool BlockRules::repeats() const {
    for (const auto& lags : repeat)
        for (double p : lags)
            if (p > 0) return true;
    return false;
}

void shape_blocks(float* const blocks[5], const BlockRules& r) {
    for (int i = 0; i < 5; ++i) {
        float* v = blocks[i];
        const auto k = std::size_t(i);
        if (r.silent[k]) {
            std::fill(v, v + kRuleCells, 0.0f);
            continue;
        }
        const float t = r.threshold[k];
        if (r.polyphony[k] > 0)
            for (int s = 0; s < kRuleSteps; ++s) cap_step(v + s * kRulePitches, t, r.polyphony[k]);
        const float scale = i == kStringsIndex ? kStringsFactor : 1.0f;
        const float note = kNoteValue * scale;
        for (int c = 0; c < kRuleCells; ++c) {
            const float x = v[c] < t ? 0.0f : v[c];
            v[c] = r.binarize ? (x > 0 ? note : x) : std::clamp(x, 0.0f, 1.0f) * scale;
        }
    }
}

double BarRepeats::copy_chance(int instrument, int lag, double chance) const {
    constexpr double kPriorNonRepeats = 4;
    const auto i = std::size_t(instrument), l = std::size_t(lag - 1);
    const double own = double(equal_[i][l]) / (double(compared_[i][l]) + kPriorNonRepeats);
    return own >= chance ? 0.0 : (chance - own) / (1.0 - own);
}

void BarRepeats::compared(int instrument, int lag, bool equal) {
    ++compared_[std::size_t(instrument)][std::size_t(lag - 1)];
    if (equal) ++equal_[std::size_t(instrument)][std::size_t(lag - 1)];
}

void BarRepeats::begin_block() {
    for (int bar = 0; bar < 4; ++bar) copied_from_.push_back({});
}

void BarRepeats::copied(int instrument, int bar_in_block, int lag) {
    copied_from_[copied_from_.size() - 4 + std::size_t(bar_in_block)][std::size_t(instrument)] = std::int8_t(lag);
}

void BarRepeats::forget_block(int instrument) {
    for (std::size_t bar = copied_from_.size() - 4; bar < copied_from_.size(); ++bar) copied_from_[bar][std::size_t(instrument)] = 0;
}

void repeat_bars(float* const blocks[5], const float* const previous[5], const BlockRules& r, std::mt19937_64& rng,
                 BarRepeats& log) {
    constexpr int kBars = 4, kBarCells = kRuleCells / kBars;
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    log.begin_block();
    auto same_notes = [](const float* a, const float* b) {
        for (int c = 0; c < kBarCells; ++c)
            if ((a[c] > 0) != (b[c] > 0)) return false;
        return true;
    };
    for (int i = 0; i < 5; ++i) {
        const auto& chance = r.repeat[std::size_t(i)];
        for (int bar = 0; bar < kBars; ++bar) {
            std::array<double, kBars> u;
            for (auto& x : u) x = uniform(rng);
            float* to = blocks[i] + bar * kBarCells;
            if (!has_notes(to, kBarCells)) continue;
            for (int lag = 1; lag <= kBars; ++lag) {
                const int from_bar = bar - lag;
                const float* from = from_bar >= 0 ? blocks[i] + from_bar * kBarCells : previous[i] + (from_bar + kBars) * kBarCells;
                if (!has_notes(from, kBarCells)) continue;
                const bool equal = same_notes(to, from);
                log.compared(i, lag, equal);
                if (equal) break;  // the decoder's own repeat
                if (u[std::size_t(lag - 1)] < log.copy_chance(i, lag, chance[std::size_t(lag - 1)])) {
                    std::memcpy(to, from, sizeof(float) * kBarCells);
                    log.copied(i, bar, lag);
                    break;
                }
            }
        }
    }
}

void SilenceWatch::see(const float* const blocks[5]) {
    for (int i = 0; i < 5; ++i) {
        const auto k = std::size_t(i);
        if (has_notes(blocks[i])) {
            sounded_[k] = true;
            silent_for_[k] = 0;
        } else {
            ++silent_for_[k];
        }
    }
}

bool SilenceWatch::due(int instrument) const {
    const auto k = std::size_t(instrument);
    return after_ > 0 && sounded_[k] && silent_for_[k] >= after_;
}

}  // namespace quintet
