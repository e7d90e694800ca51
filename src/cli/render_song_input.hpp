#pragma once
// Shared by `quintet render|inspect|convert`: opens a .mid/.midi or .npz file as a Multitrack.
// MIDI goes through the LPD pipeline (midi_to_lpd5, or midi_to_multitrack with full = true).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <string>

#include "io/lpd/lpd_convert.hpp"
#include "io/midi/midi.hpp"
#include "roll/multitrack.hpp"
#include "roll/operations.hpp"
#include "util/error.hpp"
#ifdef QUINTET_HAVE_ZIP
#include "io/npz/npz.hpp"
#endif

namespace quintet::cli {

enum class SongFormat { Midi, Npz };

inline SongFormat song_format(const std::filesystem::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".mid" || ext == ".midi" || ext == ".smf" || ext == ".kar") return SongFormat::Midi;
    if (ext == ".npz") {
#ifdef QUINTET_HAVE_ZIP
        return SongFormat::Npz;
#else
        throw UsageError(path.string() + ": this build has no .npz support (configure with QUINTET_WITH_ZIP=ON)");
#endif
    }
    throw UsageError(path.string() + ": unknown file type (expected .mid, .midi or .npz)");
}

struct SongInput {
    Multitrack mt;
    std::optional<MidiFile> midi;  // set when the input was a MIDI file
};

// resolution: steps per beat of the result (0: 24 for MIDI, as stored for npz).
inline SongInput load_song_input(const std::filesystem::path& path, bool full_midi = false, int resolution = 0) {
    if (resolution < 0 || resolution > 960) throw UsageError("--resolution must be in 1..960");
    SongInput in;
    if (song_format(path) == SongFormat::Midi) {
        // The LPD converter expects notes paired the way pretty_midi pairs them (docs/midi.md).
        in.midi = read_midi(path, {NotePairing::pretty_midi});
        LpdConvertOptions o;
        if (resolution > 0) o.resolution = resolution;
        in.mt = full_midi ? midi_to_multitrack(*in.midi, o) : midi_to_lpd5(*in.midi, o);
    } else {
#ifdef QUINTET_HAVE_ZIP
        in.mt = read_npz(path);
        if (resolution > 0 && resolution != in.mt.resolution) {
            set_resolution(in.mt, resolution);
            pad_to_same(in.mt);
        }
#endif
    }
    if (in.mt.name.empty()) in.mt.name = path.stem().string();
    return in;
}

}  // namespace quintet::cli
