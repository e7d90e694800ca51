#pragma once
// `--from SONG --keep piano,bass`, shared by the systems that regenerate some instruments of a song: the
// kept instruments as LPD-5 families (roll/operations.hpp: 0 drums, 1 piano, 2 guitar, 3 bass, 4 strings),
// with one-line UsageErrors for what cannot be meant.
#include <filesystem>
#include <string>
#include <vector>

#include "roll/multitrack.hpp"

namespace quintet {

// UsageError: --keep without --from, a name that is not one of the five, a name given twice, or all five
// (nothing would be regenerated). Empty `keep`: nothing kept (the whole song is regenerated from its start).
std::vector<int> parse_keep(const std::string& keep, const std::filesystem::path& from);

// The song of --from on a grid of `resolution` steps per beat, as five LPD-5 tracks: a MIDI file note by
// note (onset and end rounded to the grid, the note-on velocity, the family of its program), an npz or
// other roll folded or resampled to the grid. So a song this project wrote comes back with the same notes
// (the LPD reading of a MIDI file lengthens every note by a step, pypianoroll's inclusive end).
Multitrack load_song_to_regenerate(const std::filesystem::path& path, int resolution);

// The last step of a regeneration: `out` (LPD-5 tracks, at least as fine as `song`'s grid) takes `song`'s length
// (padded or cut), `bpm` at every step, and the kept families' rolls exactly as the song has them (velocities too).
void keep_song_tracks(Multitrack& out, const Multitrack& song, const std::vector<int>& keep, double bpm);

}  // namespace quintet
