#pragma once
// Polyphonic pitch-sequence data sets in the JSON form of Boulanger-Lewandowski et al. (2012) -- JSB Chorales,
// Nottingham, MuseData, Piano-midi.de: {"train": [seq, ...], "valid": [...], "test": [...]}, a sequence being
// a list of time steps and a step the list of MIDI pitches sounding then. Read into a normal training store:
// one track, one grid step per time step, the file's own splits. No torch.
#include <array>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "corpus/store.hpp"

namespace quintet {

using PitchStep = std::vector<int>;
using PitchSequence = std::vector<PitchStep>;

struct PitchSequenceSplits {
    std::array<std::vector<PitchSequence>, 3> splits;  // indexed by Split
};

// Parses the JSON text. FormatError(file, byte offset, ...) on malformed or truncated text, a key other than
// train/valid/test, a repeated key, or a pitch that is not an integer in 0..127.
PitchSequenceSplits parse_pitch_sequences(std::string_view text, const std::string& file);

struct PitchSequenceStoreOptions {
    int resolution = 1;      // grid steps per beat the file's time steps stand for (JSB quarter file: 1)
    int family = 1;          // the LPD-5 track the notes go to (1: Piano)
    std::uint8_t velocity = 100;
    std::string artist, genre, licence = "unknown", origin;  // recorded for every song
};

// Reads `json_file` and writes the store atomically; sequence k of split s gets the id "<split>/<k>"
// (k from 0, in file order) and keeps the split. Returns the songs written.
std::size_t write_pitch_sequence_store(const std::filesystem::path& json_file, const std::filesystem::path& store,
                                       const PitchSequenceStoreOptions& options);

}  // namespace quintet
