#pragma once
// A split of a corpus store as note-token sequences, and the training windows cut from them (no torch).
#include <cstdint>
#include <vector>

#include "corpus/store.hpp"
#include "represent/note_tokens.hpp"

namespace quintet {

struct TokenSongs {
    std::vector<std::vector<std::string>> tokens;  // per song that has a note on the track
    std::vector<std::size_t> songs;                // their store indices
    std::size_t split_songs = 0;                   // songs in the split, with or without notes
    long long token_count() const;
};

// The tokens of one instrument (`family`) of every song of a split, in store order.
TokenSongs split_tokens(const CorpusStore& store, Split split, int family, const NoteTokenSpec& spec);

// Keeps whole songs, in an order shuffled by `seed`, while their windows fit in max_windows (0: all songs).
void cap_windows(TokenSongs& songs, int window, std::int64_t max_windows, std::uint64_t seed);

// Non-overlapping windows of `window` ids from the start of each song (a trailing partial window is dropped,
// as the original's prepare_sequences did): n * window ids, row-major.
std::vector<std::int64_t> token_windows(const std::vector<std::vector<std::int64_t>>& songs, int window);
std::int64_t window_count(const std::vector<std::string>& song, int window);

}  // namespace quintet
