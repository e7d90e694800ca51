#include "corpus/song_loader.hpp"

#include <algorithm>
#include <cctype>

#include "io/lpd/lpd_convert.hpp"
#include "io/midi/midi.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#ifdef QUINTET_HAVE_ZIP
#include "io/npz/npz.hpp"
#endif

namespace quintet {

SongFileKind song_file_kind(const std::filesystem::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".npz") return SongFileKind::Npz;
    if (ext == ".mid" || ext == ".midi" || ext == ".smf" || ext == ".kar") return SongFileKind::Midi;
    return SongFileKind::Other;
}

Multitrack load_midi_song(std::string_view bytes, const std::string& name) {
    // The LPD converter expects notes paired the way pretty_midi pairs them (docs/midi.md).
    Multitrack mt = midi_to_lpd5(parse_midi(bytes, name, {NotePairing::pretty_midi}));
    if (mt.name.empty()) mt.name = name;
    return mt;
}

Multitrack load_song_file(const std::filesystem::path& path) {
    switch (song_file_kind(path)) {
        case SongFileKind::Midi: return load_midi_song(read_file(path), path.string());
        case SongFileKind::Npz:
#ifdef QUINTET_HAVE_ZIP
            return read_npz(path);
#else
            throw UsageError(path.string() + ": this build has no .npz support (configure with QUINTET_WITH_ZIP=ON)");
#endif
        case SongFileKind::Other: break;
    }
    throw UsageError(path.string() + ": not a .mid/.midi or .npz file");
}

}  // namespace quintet
