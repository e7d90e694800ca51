#include "generate/run_systems.hpp"

#include "generate/vae_nn_system.hpp"
#include "train/flat_json.hpp"
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

std::vector<std::string> known_systems() { return {"vae-nn"}; }

std::unique_ptr<System> make_sampling_system(const std::string& kind, const SamplingSettings& s) {
    if (s.blocks < 1) throw UsageError("--blocks must be at least 1");
    if (kind == "vae-nn") {
        auto system = std::make_unique<VaeNnSystem>();
        system->generate_options.blocks = s.blocks;
        system->generate_options.seed = s.seed;
        system->generate_options.noise_sd = s.noise_sd;
        system->generate_options.device = s.device;
        return system;
    }
    std::string known;
    for (const auto& k : known_systems()) known += (known.empty() ? "" : ", ") + k;
    throw UsageError("run holds a '" + kind + "' model; this build can sample from: " + known);
}

}  // namespace quintet
