#pragma once
// Settings of note-GRU generation (no torch here: the CLI includes it).
#include <cstdint>
#include <filesystem>


namespace quintet {

struct NoteGruGenerateOptions {
    int bars = 64;                  // length of the song in 4/4 bars, the primer included
    std::uint64_t seed = 1;         // every draw: the same seed gives the same MIDI bytes
    double tempo = 120;             // bpm written to the MIDI
    std::filesystem::path prime;    // a .mid/.npz whose notes open the song; empty: a train song of the run's corpus
    // Bars of the primer: -1 = all of a --prime file, 2 bars of a corpus song; 0 = no primer (the first token is
    // drawn from the train split's token counts). Always less than `bars`.
    int prime_bars = -1;
    // How each token is drawn (nn/sampling.hpp's TokenSampling): multinomial at temperature 1.2, the original's.
    bool greedy = false;
    double temperature = 1.2;
    int top_k = 0;                  // 0: off
    double top_p = 1.0;             // 1: off
};

inline constexpr int kCorpusPrimeBars = 2;

}  // namespace quintet
