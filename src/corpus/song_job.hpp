#pragma once
// One song to put into a store: its metadata and a way to load it when its turn comes, so that a
// build holds the list of songs, never their rolls.
#include <functional>
#include <string>
#include <vector>

#include "corpus/store.hpp"
#include "roll/multitrack.hpp"

namespace quintet {

struct SongJob {
    SongInfo info;         // id, title, artist, genre, origin, licence (split and steps are set by the build)
    std::string source;    // file (or file:lump) named in warnings
    // Returns the song as any Multitrack (it is merged to LPD-5 and resampled by the build).
    // Throws quintet::Error on a bad file; the build skips the song with a warning.
    std::function<Multitrack()> load;
};

}  // namespace quintet
