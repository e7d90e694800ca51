#include "corpus/split.hpp"

#include <string>

#include "util/error.hpp"

namespace quintet {

std::uint64_t song_id_hash(std::string_view id) {
    // FNV-1a, 64-bit (offset basis and prime from the FNV specification, draft-eastlake-fnv).
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : id) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

Split split_for_id(std::string_view id) {
    const std::uint64_t bucket = song_id_hash(id) % 10;
    if (bucket < 8) return Split::Train;
    return bucket == 8 ? Split::Valid : Split::Test;
}

const char* split_name(Split s) {
    switch (s) {
        case Split::Train: return "train";
        case Split::Valid: return "valid";
        case Split::Test: return "test";
    }
    return "?";
}

Split parse_split(std::string_view name) {
    if (name == "train") return Split::Train;
    if (name == "valid") return Split::Valid;
    if (name == "test") return Split::Test;
    throw UsageError("unknown split '" + std::string(name) + "' (train, valid or test)");
}

}  // namespace quintet
