#include "roll/notes.hpp"

#include <algorithm>
#include <tuple>

namespace quintet {

std::vector<Note> track_notes(const Track& track, int track_index) {
    std::vector<Note> notes;
    const std::size_t T = track.steps();
    for (int p = 0; p < kPitches; ++p) {
        std::size_t t = 0;
        while (t < T) {
            if (track.at(t, p) == 0) { ++t; continue; }
            std::size_t start = t;
            unsigned sum = 0;
            while (t < T && track.at(t, p) != 0) sum += track.at(t++, p);
            std::size_t len = t - start;
            notes.push_back({track_index, p, start, len, static_cast<int>((sum + len / 2) / len)});
        }
    }
    std::sort(notes.begin(), notes.end(), [](const Note& a, const Note& b) {
        return std::tie(a.start, a.pitch) < std::tie(b.start, b.pitch);
    });
    return notes;
}

std::vector<Note> multitrack_notes(const Multitrack& mt) {
    std::vector<Note> all;
    for (std::size_t i = 0; i < mt.tracks.size(); ++i) {
        auto n = track_notes(mt.tracks[i], static_cast<int>(i));
        all.insert(all.end(), n.begin(), n.end());
    }
    std::stable_sort(all.begin(), all.end(), [](const Note& a, const Note& b) {
        return std::tie(a.start, a.track, a.pitch) < std::tie(b.start, b.track, b.pitch);
    });
    return all;
}

}  // namespace quintet
