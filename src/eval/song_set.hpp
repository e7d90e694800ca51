#pragma once
// The sets `quintet eval` compares, as library code (no torch): arguments expanded into songs (files,
// folders, corpus stores and their splits), and a set evaluated on several threads in input order with
// progress (util/progress.hpp). The command file only parses options and writes the report.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "eval/evaluation.hpp"
#include "roll/multitrack.hpp"

namespace quintet::eval {

// A song of a set: its name in per_file.csv and how to load it (loaded when its turn comes).
struct SongRef {
    std::string name;
    std::function<Multitrack()> load;
};

// True when the file starts with a corpus store's magic.
bool is_store(const std::filesystem::path& path);

// .npz/.mid files, folders of them (recursive, sorted) and corpus stores (their `split`: train, valid, test
// or all) as songs; max_songs > 0 keeps that many, evenly spaced. UsageError/IoError naming the argument
// that cannot be used.
std::vector<SongRef> collect_songs(const std::vector<std::string>& args, const std::string& split, std::size_t max_songs);

// Evaluates the songs on `jobs` threads (0: one per hardware thread) and adds them to `ev` in input order;
// `sink` gets each song's rows in that order. Progress on stderr under `label`. A song's error is rethrown
// when its turn comes, so the message names the first bad input in order.
using RowSink = std::function<void(const std::vector<FileRow>&)>;
void evaluate_set(const char* label, const std::vector<SongRef>& songs, SetEvaluator& ev, unsigned jobs,
                  const RowSink& sink);

}  // namespace quintet::eval
