#include "runs/run_dir.hpp"

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;

RunDescription describe_run(const fs::path& run_dir) {
    std::error_code ec;
    if (!fs::is_directory(run_dir, ec)) throw UsageError(run_dir.string() + ": no such run directory");
    const fs::path file = run_dir / "config.json";
    if (!fs::is_regular_file(file, ec))
        throw UsageError(run_dir.string() + ": not a run directory (no config.json; train one with `quintet train`)");
    const auto kv = parse_flat_json(read_file(file), file.string());
    auto get = [&](const char* key) {
        auto it = kv.find(key);
        if (it == kv.end() || it->second.empty()) throw FormatError(file.string(), std::string("missing \"") + key + "\"");
        return it->second;
    };
    return {get("model"), fs::path(get("corpus"))};
}

bool prepare_run_dir(const fs::path& run_dir, const std::string& kind, bool resume) {
    std::error_code ec;
    if (fs::exists(run_dir / "config.json", ec)) {
        const auto run = describe_run(run_dir);
        if (run.kind != kind)
            throw UsageError(run_dir.string() + " holds a " + run.kind + " run; choose another --out for " + kind);
    }
    const bool has_training = fs::exists(run_dir / "last.pt", ec);
    if (has_training && !resume)
        throw UsageError(run_dir.string() + " already holds a training run: pass --resume, or choose another --out");
    return has_training && resume;
}

void write_run_config(const fs::path& run_dir, const std::string& kind, const fs::path& corpus,
                      const FlatJsonWriter& settings, const std::vector<DataSummary>& data) {
    FlatJsonWriter w;
    w.add("model", kind).add("corpus", fs::absolute(corpus).string()).append(settings);
    std::string summary = "{";
    for (std::size_t s = 0; s < data.size(); ++s) {
        const auto& d = data[s];
        std::string names, counts;
        for (std::size_t i = 0; i < d.channels.size(); ++i) names += (i ? ", " : "") + json_quote(d.channels[i]);
        for (std::size_t i = 0; i < d.non_empty.size(); ++i) counts += (i ? ", " : "") + std::to_string(d.non_empty[i]);
        summary += (s ? ", " : "") + json_quote(d.split) + ": {\"songs\": " + std::to_string(d.songs) +
                   ", \"windows\": " + std::to_string(d.items) + ", \"pairs\": " + std::to_string(d.pairs) +
                   ", \"non_empty_windows\": {\"order\": [" + names + "], \"counts\": [" + counts + "]}}";
    }
    w.add_raw("data", summary + "}");
    write_file_atomically(run_dir / "config.json", w.str());
}

}  // namespace quintet
