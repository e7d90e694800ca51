#pragma once
// Settings of frame-RNN generation (no torch here: the CLI includes it).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace quintet {

struct FrameRnnGenerateOptions {
    int bars = 64;                    // 4/4 bars of output, the primer included
    std::uint64_t seed = 1;           // every draw: the corpus primer and each note
    double tempo = 120;               // bpm written to the MIDI
    std::filesystem::path prime;      // a .mid/.npz whose music opens the song (all of it, up to the length)
    int prime_steps = 32;             // without `prime`: steps of a train song of the run's corpus that open it (0: none)
    double temperature = 1.0;         // Bernoulli: on each cell's logit; softmax modes: on the softmax
    std::string notes_per_step;       // softmax: "N" notes per step; per-instrument: "piano=2,guitar=3" or "N" each;
                                      // "" for the mode's default
    std::filesystem::path from;       // a song (.mid/.npz) to regenerate: its first prime_steps steps open the
                                      // song, which has its length (`bars` is not used)
    std::vector<int> keep;            // LPD-5 families of `from` kept as they are at every step (and fed back)
};

// The default --notes-per-step: softmax 6 in all; per-instrument the article's example (piano 2, guitar 3)
// and bass 1, strings 2, drums 2.
inline constexpr int kSoftmaxNotesPerStep = 6;
inline constexpr int kNotesPerInstrument[5] = {2, 2, 3, 1, 2};  // by LPD-5 family: drums, piano, guitar, bass, strings

// --notes-per-step text -> notes per track of the run (`tracks`: LPD-5 families in model order). For the softmax
// mode one number, returned as a one-element vector; for per-instrument "N" (each track) or a list of name=N
// (tracks not named: 0). UsageError on anything else: an unknown or repeated name, a track the run does not
// have, a count outside 0..pitches, no note at all, or a list in the softmax mode.
std::vector<int> parse_notes_per_step(const std::string& text, const std::vector<int>& tracks, bool per_instrument,
                                      int pitches);

}  // namespace quintet
