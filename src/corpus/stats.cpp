#include "corpus/stats.hpp"

#include <cstdio>

#include "roll/operations.hpp"

namespace quintet {

std::size_t count_notes(const std::uint8_t* roll, std::size_t steps) {
    std::size_t notes = 0;
    for (std::size_t t = 0; t < steps; ++t) {
        const std::uint8_t* row = roll + t * kPitches;
        const std::uint8_t* prev = t > 0 ? row - kPitches : nullptr;
        for (int p = 0; p < kPitches; ++p) notes += row[p] != 0 && (!prev || prev[p] == 0);
    }
    return notes;
}

CorpusStats compute_stats(const CorpusStore& store) {
    CorpusStats s;
    s.resolution = store.resolution();
    s.songs = store.size();
    for (std::size_t i = 0; i < store.size(); ++i) {
        const SongInfo& info = store.song(i);
        const double hours = static_cast<double>(info.steps) / store.resolution() * 60.0 / info.tempo / 3600.0;
        s.steps += info.steps;
        s.windows32 += info.steps / 32;
        s.hours += hours;
        s.split_songs[static_cast<int>(info.split)] += 1;
        s.split_hours[static_cast<int>(info.split)] += hours;
        for (int f = 0; f < kFamilies; ++f) {
            const std::size_t n = count_notes(store.roll(i, f), info.steps);
            s.notes[f] += n;
            s.empty_tracks[f] += n == 0;
        }
    }
    return s;
}

std::string format_stats(const CorpusStats& s) {
    std::string out;
    char line[256];
    auto add = [&](const char* fmt, auto... args) {
        std::snprintf(line, sizeof line, fmt, args...);
        out += line;
    };
    const double songs = s.songs ? static_cast<double>(s.songs) : 1.0;
    add("songs        %zu (train %zu, valid %zu, test %zu)\n", s.songs, s.split_songs[0], s.split_songs[1], s.split_songs[2]);
    add("hours        %.2f (train %.2f, valid %.2f, test %.2f; per-song mean tempo of the source)\n", s.hours, s.split_hours[0],
        s.split_hours[1], s.split_hours[2]);
    add("resolution   %d steps per beat\n", s.resolution);
    add("time steps   %zu (%zu full 32-step windows)\n", s.steps, s.windows32);
    add("%-10s %12s %14s\n", "track", "notes", "empty tracks");
    std::size_t notes = 0, empty = 0;
    for (int f = 0; f < kFamilies; ++f) {
        add("%-10s %12zu %7zu %5.1f%%\n", family_name(static_cast<Family>(f)), s.notes[f], s.empty_tracks[f],
            100.0 * static_cast<double>(s.empty_tracks[f]) / songs);
        notes += s.notes[f];
        empty += s.empty_tracks[f];
    }
    add("%-10s %12zu %7zu %5.1f%%\n", "all", notes, empty, 100.0 * static_cast<double>(empty) / (5.0 * songs));
    return out;
}

}  // namespace quintet
