#include "systems/keep_option.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "corpus/song_loader.hpp"
#include "io/midi/midi.hpp"
#include "roll/operations.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;

std::vector<int> parse_keep(const std::string& keep, const fs::path& from) {
    if (keep.empty()) return {};
    if (from.empty()) throw UsageError("--keep needs --from: the song whose instruments are kept");
    std::vector<int> families;
    std::size_t pos = 0;
    while (pos <= keep.size()) {
        const std::size_t comma = std::min(keep.find(',', pos), keep.size());
        const std::string name = keep.substr(pos, comma - pos);
        int family = -1;
        for (int f = 0; f < kFamilies; ++f) {
            std::string known = family_name(Family(f));
            std::transform(known.begin(), known.end(), known.begin(), [](unsigned char c) { return char(std::tolower(c)); });
            if (name == known) family = f;
        }
        if (family < 0) throw UsageError("--keep: '" + name + "' is not one of piano, guitar, bass, strings, drums");
        if (std::find(families.begin(), families.end(), family) != families.end())
            throw UsageError("--keep: " + name + " is named twice");
        families.push_back(family);
        pos = comma + 1;
    }
    if (families.size() == std::size_t(kFamilies))
        throw UsageError("--keep names all five instruments: nothing would be regenerated (keep at most four)");
    return families;
}

Multitrack load_song_to_regenerate(const fs::path& path, int resolution) {
    if (song_file_kind(path) != SongFileKind::Midi) {
        Multitrack song = merge_lpd5(load_song_file(path));  // every track the song's length
        if (song.resolution == resolution) return song;
        if (song.resolution < resolution || song.resolution % resolution != 0) {
            const std::size_t steps = song.steps(), from = std::size_t(song.resolution);
            set_resolution(song, resolution);  // (which cuts each track after its last note)
            pad_to(song, (steps * std::size_t(resolution) + from - 1) / from);
            pad_to_same(song);
            return song;
        }
        // A roll at a multiple of the grid folds back exactly, each grid cell the loudest of its steps
        // (resampling would lengthen every note by a step).
        fold_resolution(song, resolution);
        return song;
    }
    const MidiFile midi = read_midi(path);
    const double steps_per_tick = double(resolution) / midi.ticks_per_beat;
    auto step = [&](std::int64_t tick) { return std::int64_t(std::llround(double(tick) * steps_per_tick)); };
    std::int64_t steps = 0;
    for (const auto& n : midi.notes) steps = std::max(steps, step(n.off_tick));
    Multitrack song = empty_lpd5(std::size_t(steps), resolution);
    for (const auto& n : midi.notes) {
        const Family f = family_of(n.program, n.channel == 9);
        if (f == Family::Dropped) continue;
        Track& t = song.tracks[std::size_t(f)];
        const std::int64_t on = step(n.on_tick), off = std::max(step(n.off_tick), on + 1);
        for (std::int64_t s = on; s < off && s < steps; ++s) t.at(std::size_t(s), n.pitch) = std::uint8_t(n.velocity);
    }
    return song;
}

void keep_song_tracks(Multitrack& out, const Multitrack& song, const std::vector<int>& keep, double bpm) {
    const std::size_t steps = song.steps();
    pad_to(out, steps);
    for (auto& t : out.tracks) t.roll.resize(steps * kPitches);
    out.tempo.assign(steps, bpm);
    for (int family : keep) out.tracks[std::size_t(family)].roll = song.tracks[std::size_t(family)].roll;  // LPD-5 order
}

}  // namespace quintet
