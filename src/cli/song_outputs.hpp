#pragma once
// The WAV and PNG a command writes for a song (`quintet render`, `quintet generate`): one code path.
#include <string>

#include "roll/multitrack.hpp"

namespace quintet::cli {

struct SongOutputs {
    std::string wav, png;   // where to write; empty: not wanted
    std::string soundfont;  // empty: $QUINTET_SOUNDFONT, else FluidR3 GM
    std::string title;      // picture title; empty: the song's name
    int sample_rate = 44100;
    double gain = 0.5;
};

// Refuses (UsageError) a WAV or PNG that this build cannot write; call it before any long work.
void check_song_outputs(const SongOutputs& o);

// Writes the WAV, then the PNG, each with one "wrote ..." line on stdout. All or nothing: a picture
// that fails takes the WAV written a moment ago with it. A missing SoundFont fails before anything is written.
void write_song_outputs(const Multitrack& song, const SongOutputs& o);

}  // namespace quintet::cli
