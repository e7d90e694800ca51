#include "systems/vae_nn/run_info.hpp"

#include <cstdlib>

#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/flat_json.hpp"

namespace quintet {

namespace fs = std::filesystem;

namespace {
const char* const kInstrumentKeys[5] = {"piano", "guitar", "bass", "strings", "drums"};  // VAE-NN order
std::string threshold_key(std::size_t i) { return std::string("threshold_") + kInstrumentKeys[i]; }
}  // namespace

void write_run_info(const fs::path& run_dir, const VaeNnRunInfo& info) {
    FlatJsonWriter w;
    w.add("model", info.model)
        .add("format", info.format)
        .add("latent", info.latent)
        .add("likelihood", info.likelihood)
        .add("latent_nets", info.latent_nets)
        .add("corpus", info.corpus.string())
        .add("resolution", info.resolution)
        .add("window", info.window);
    if (info.thresholds)
        for (std::size_t i = 0; i < info.thresholds->size(); ++i)
            w.add(threshold_key(i), (*info.thresholds)[i]);
    write_file_atomically(run_dir / "model.json", w.str());
}

VaeNnRunInfo read_run_info(const fs::path& run_dir) {
    if (!fs::is_directory(run_dir)) throw UsageError(run_dir.string() + ": no such run directory");
    fs::path file = run_dir / "model.json";
    if (!fs::exists(file))
        throw UsageError(run_dir.string() + ": not a run directory (no model.json; train one with `quintet train vae`)");
    auto kv = parse_flat_json(read_file(file), file.string());
    auto get = [&](const char* key) {
        auto it = kv.find(key);
        if (it == kv.end()) throw FormatError(file.string(), std::string("missing \"") + key + "\"");
        return it->second;
    };
    VaeNnRunInfo info;
    info.model = get("model");
    if (info.model != kVaeNnModelKind)
        throw FormatError(file.string(), "holds a '" + info.model + "' model, not a VAE-NN (" + kVaeNnModelKind + ")");
    try {
        info.format = std::stoi(get("format"));
        info.latent = std::stoi(get("latent"));
        info.resolution = std::stoi(get("resolution"));
        info.window = std::stoi(get("window"));
    } catch (const std::logic_error&) {
        throw FormatError(file.string(), "format, latent, resolution and window must be integers");
    }
    if (info.format != kVaeNnFormat)
        throw FormatError(file.string(), "format " + std::to_string(info.format) + " is not supported (expected " +
                                             std::to_string(kVaeNnFormat) + ")");
    info.likelihood = get("likelihood");
    info.corpus = get("corpus");
    if (kv.count("latent_nets")) info.latent_nets = kv.at("latent_nets");  // absent in runs before it existed
    if (info.latent_nets != "direct" && info.latent_nets != "residual")
        throw FormatError(file.string(), "\"latent_nets\" must be direct or residual, not '" + info.latent_nets + "'");
    if (kv.count(threshold_key(0))) {
        std::array<double, 5> t{};
        for (std::size_t i = 0; i < t.size(); ++i) {
            const std::string key = threshold_key(i);
            char* end = nullptr;
            const std::string text = kv.count(key) ? kv.at(key) : "";
            t[i] = std::strtod(text.c_str(), &end);
            if (text.empty() || *end != '\0' || !(t[i] >= 0 && t[i] <= 1))
                throw FormatError(file.string(), "\"" + key + "\" must be a number in [0, 1]");
        }
        info.thresholds = t;
    }
    return info;
}

}  // namespace quintet
