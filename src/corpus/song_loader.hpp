#pragma once
// Decoding song files for the corpus: .npz (LPD / pypianoroll) and Standard MIDI Files.
#include <filesystem>
#include <string>
#include <string_view>

#include "roll/multitrack.hpp"

namespace quintet {

enum class SongFileKind { Npz, Midi, Other };
SongFileKind song_file_kind(const std::filesystem::path& path);  // by extension, case-insensitive

// MIDI bytes -> LPD-5 at 24 steps per beat, the LPD way (parse_midi + midi_to_lpd5).
Multitrack load_midi_song(std::string_view bytes, const std::string& name);
// A .npz or MIDI file as a Multitrack (npz as stored; MIDI as LPD-5 at 24 steps per beat).
// Throws FormatError / IoError; an .npz in a build without zip support is a UsageError.
Multitrack load_song_file(const std::filesystem::path& path);

}  // namespace quintet
