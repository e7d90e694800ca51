#pragma once
// What both VAE-NN generation loops (module and fast path) do to each decoded block before it joins the song
// and is fed back (SEED-SPEC 9.1, plus the corpus rules of issue 13). Raw memory, no torch: blocks[i] is
// instrument i's 32 x 128 block (VAE-NN order), rewritten in place.
#include <array>
#include <cstdint>
#include <random>
#include <vector>

namespace quintet {

inline constexpr float kNoteValue = 0.8f;       // binarised notes: 0.8 * 127 -> velocity 101 (SEED-SPEC 9.4)
inline constexpr float kStringsFactor = 0.75f;  // "quieten the strings" -> 76
inline constexpr int kStringsIndex = 3;

struct BlockRules {
    std::array<float, 5> threshold{};          // decoded values below are silence
    std::array<int, 5> polyphony{};            // at most this many pitches at once (the loudest); 0: no cap
    std::array<bool, 5> silent{};              // instruments the corpus never plays: always silent
    // Per instrument and lag 1..4, the chance that a sounding bar becomes a copy of the sounding bar that far
    // back, asked lag by lag (song_prior.hpp).
    std::array<std::array<double, 4>, 5> repeat{};
    bool binarize = true;                      // notes at kNoteValue, else the decoded value
    bool repeats() const;
};

// Threshold, polyphony cap, silence of absent instruments, then notes (binarised or clamped) with the strings
// quietened.
void shape_blocks(float* const blocks[5], const BlockRules& rules);

// What repeat_bars saw over one song, and what it did. Per instrument and lag: how many sounding bars were compared
// with the sounding bar that far back, and how many already equalled it as decoded (the decoder's own repeats;
// the corpus's chance is the chance of a repeat, not of a copy on top of those). Per bar of the song: the lag it
// was copied from, 0 when it was not.
class BarRepeats {
public:
    // The chance to copy at a lag so that the song's repeats come to the corpus's `chance`: own + (1 - own) x copy
    // = chance, with `own` the share of the decoder's own repeats at that lag so far (counted with 4 extra
    // non-repeats, so the first bars copy at about the corpus's chance); 0 when the decoder repeats more already.
    double copy_chance(int instrument, int lag, double chance) const;
    void compared(int instrument, int lag, bool equal);
    // A new block of 4 bars: its lags start at 0 (not copied).
    void begin_block();
    void copied(int instrument, int bar_in_block, int lag);
    // The instrument's bars of the last block are its own again (--keep puts the song's block back).
    void forget_block(int instrument);
    // Per bar of the song so far (4 per block, the seed block's included when begin_block was called for it).
    const std::vector<std::array<std::int8_t, 5>>& copied_from() const { return copied_from_; }

private:
    std::array<std::array<std::int64_t, 4>, 5> compared_{}, equal_{};
    std::vector<std::array<std::int8_t, 5>> copied_from_;
};

// Bar by bar (4 bars of 8 steps), for each instrument four uniform draws from rng (always 80 per block, so
// later draws do not depend on the music): a bar with notes that already equals the bar `lag` back (lag 1..4,
// the nearest sounding one first) stays as decoded; otherwise it becomes a copy of the bar `lag` back (in this
// block or `previous`, the block before) for the first lag whose bar has notes and whose draw is below
// log.copy_chance(rules.repeat[i][lag - 1]). Silent bars stay silent: rests are the decoder's. Calls
// log.begin_block() itself.
void repeat_bars(float* const blocks[5], const float* const previous[5], const BlockRules& rules, std::mt19937_64& rng,
                 BarRepeats& log);

// Counts, per instrument, the blocks since it last sounded; an instrument that has sounded in the song and then
// stays silent for `after` blocks is due to be brought back (and its count starts again).
class SilenceWatch {
public:
    explicit SilenceWatch(int after) : after_(after) {}
    void see(const float* const blocks[5]);
    bool due(int instrument) const;
    void revived(int instrument) { silent_for_[std::size_t(instrument)] = 0; }

private:
    int after_;
    std::array<bool, 5> sounded_{};
    std::array<int, 5> silent_for_{};
};

}  // namespace quintet
