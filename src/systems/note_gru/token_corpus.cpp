#include "systems/note_gru/token_corpus.hpp"

#include <algorithm>
#include <numeric>
#include <random>

namespace quintet {

long long TokenSongs::token_count() const {
    long long n = 0;
    for (const auto& s : tokens) n += static_cast<long long>(s.size());
    return n;
}

TokenSongs split_tokens(const CorpusStore& store, Split split, int family, const NoteTokenSpec& spec) {
    TokenSongs out;
    for (std::size_t id : store.songs_in(split)) {
        ++out.split_songs;
        auto tokens = song_tokens(store.load(id), family, spec);
        if (tokens.empty()) continue;
        out.tokens.push_back(std::move(tokens));
        out.songs.push_back(id);
    }
    return out;
}

std::int64_t window_count(const std::vector<std::string>& song, int window) {
    return std::int64_t(song.size()) / window;
}

void cap_windows(TokenSongs& songs, int window, std::int64_t max_windows, std::uint64_t seed) {
    if (max_windows <= 0) return;
    std::vector<std::size_t> order(songs.tokens.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::mt19937_64 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<std::size_t> keep;
    std::int64_t total = 0;
    for (std::size_t i : order) {
        const std::int64_t n = window_count(songs.tokens[i], window);
        if (n == 0 || total + n > max_windows) continue;
        keep.push_back(i);
        total += n;
    }
    if (keep.empty())  // every song is longer than the cap: the first one, whole
        for (std::size_t i : order)
            if (window_count(songs.tokens[i], window) > 0) {
                keep.push_back(i);
                break;
            }
    std::sort(keep.begin(), keep.end());  // store order again
    TokenSongs kept;
    kept.split_songs = songs.split_songs;
    for (std::size_t i : keep) {
        kept.tokens.push_back(std::move(songs.tokens[i]));
        kept.songs.push_back(songs.songs[i]);
    }
    songs = std::move(kept);
}

std::vector<std::int64_t> token_windows(const std::vector<std::vector<std::int64_t>>& songs, int window) {
    std::vector<std::int64_t> out;
    for (const auto& s : songs)
        for (std::size_t start = 0; start + std::size_t(window) <= s.size(); start += std::size_t(window))
            out.insert(out.end(), s.begin() + std::ptrdiff_t(start), s.begin() + std::ptrdiff_t(start + std::size_t(window)));
    return out;
}

}  // namespace quintet
