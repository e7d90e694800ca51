#pragma once
// Deterministic train/valid/test split by song: a song's split depends only on its id, so it never
// changes when songs are added, removed or reordered, and every window of a song lands in one split.
#include <cstdint>
#include <string_view>

#include "corpus/store.hpp"

namespace quintet {

// 64-bit FNV-1a of the id's bytes.
std::uint64_t song_id_hash(std::string_view id);
// hash % 10: 0-7 Train (80%), 8 Valid (10%), 9 Test (10%).
Split split_for_id(std::string_view id);
// "train" / "valid" / "test" -> Split; throws UsageError otherwise.
Split parse_split(std::string_view name);

}  // namespace quintet
