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
std::string key(const char* what, std::size_t i) { return std::string(what) + "_" + kInstrumentKeys[i]; }
std::string repeat_key(std::size_t i, std::size_t lag) { return key("repeat", i) + "_lag" + std::to_string(lag + 1); }

double number_in(const std::map<std::string, std::string>& kv, const std::string& key, double low, double high,
                 const std::string& file) {
    const auto it = kv.find(key);
    const std::string text = it == kv.end() ? "" : it->second;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(v >= low && v <= high))
        throw FormatError(file, "\"" + key + "\" must be a number in [" + std::to_string(int(low)) + ", " +
                                    std::to_string(int(high)) + "]");
    return v;
}
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
    if (info.prior)
        for (std::size_t i = 0; i < 5; ++i) {
            w.add(key("plays", i), info.prior->plays[i]).add(key("polyphony", i), info.prior->polyphony[i]);
            for (std::size_t lag = 0; lag < 4; ++lag) w.add(repeat_key(i, lag), info.prior->repeat[i][lag]);
        }
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
        for (std::size_t i = 0; i < t.size(); ++i) t[i] = number_in(kv, threshold_key(i), 0, 1, file.string());
        info.thresholds = t;
    }
    if (kv.count(key("plays", 0))) {
        SongPrior prior;
        for (std::size_t i = 0; i < 5; ++i) {
            const std::string plays = kv.count(key("plays", i)) ? kv.at(key("plays", i)) : "";
            if (plays != "true" && plays != "false") throw FormatError(file.string(), "\"" + key("plays", i) + "\" must be true or false");
            prior.plays[i] = plays == "true";
            for (std::size_t lag = 0; lag < 4; ++lag) prior.repeat[i][lag] = number_in(kv, repeat_key(i, lag), 0, 1, file.string());
            prior.polyphony[i] = int(number_in(kv, key("polyphony", i), 1, 128, file.string()));
        }
        info.prior = prior;
    }
    return info;
}

}  // namespace quintet
