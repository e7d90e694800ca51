#pragma once
// The run directory every system writes (no torch): config.json (the kind, the corpus, the settings and
// a data summary; what `describe_run` and `quintet generate` read first), curve.csv + curve.png
// (runs/curve.hpp), and the system's checkpoints and files beside them.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "util/flat_json.hpp"

namespace quintet {

// What config.json says about a run.
struct RunDescription {
    std::string kind;             // the system, as the registry names it
    std::filesystem::path corpus; // the store it was trained on (absolute, as written at training time)
};

// Reads RUN/config.json. UsageError when RUN is not a directory or has no config.json; FormatError when
// config.json is malformed or lacks "model" / "corpus".
RunDescription describe_run(const std::filesystem::path& run_dir);

// Refuse or resume: UsageError when run_dir holds a run of another kind, or a training run (last.pt) and
// resume is off. Returns true when there is a run to resume.
bool prepare_run_dir(const std::filesystem::path& run_dir, const std::string& kind, bool resume);

// Per-split data summary written into config.json.
struct DataSummary {
    std::string split;
    std::size_t songs = 0;
    long long items = 0, pairs = 0;            // windows (or sequences) and consecutive pairs
    std::vector<std::string> channels;         // channel names
    std::vector<long long> non_empty;          // per channel: items where it has a note
};

// config.json: {"model": kind, "corpus": absolute path, settings..., "data": {...}}. `settings` holds the
// system's own keys (FlatJsonWriter::add ...).
void write_run_config(const std::filesystem::path& run_dir, const std::string& kind, const std::filesystem::path& corpus,
                      const FlatJsonWriter& settings, const std::vector<DataSummary>& data);

}  // namespace quintet
