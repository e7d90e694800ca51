#include "systems/cnn/run_info.hpp"

#include <cstdlib>

#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/flat_json.hpp"

namespace quintet {

namespace fs = std::filesystem;

namespace {
const char* const kInstrumentKeys[5] = {"piano", "guitar", "bass", "strings", "drums"};

double number_in_unit_range(const std::map<std::string, std::string>& kv, const std::string& key, const std::string& file) {
    char* end = nullptr;
    const std::string text = kv.count(key) ? kv.at(key) : "";
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(v >= 0 && v <= 1))
        throw FormatError(file, "\"" + key + "\" must be a number in [0, 1]");
    return v;
}
}  // namespace

void write_cnn_run_info(const fs::path& run_dir, const CnnRunInfo& info) {
    FlatJsonWriter w;
    w.add("model", kCnnModelKind)
        .add("format", kCnnFormat)
        .add("harmony_encoders", info.harmony_encoders)
        .add("loss", info.loss)
        .add("corpus", info.corpus.string())
        .add("resolution", 2)
        .add("window", 32);
    for (std::size_t i = 0; i < 5; ++i) w.add(std::string("density_") + kInstrumentKeys[i], info.density[i]);
    if (info.thresholds)
        for (std::size_t i = 0; i < 5; ++i) w.add(std::string("threshold_") + kInstrumentKeys[i], (*info.thresholds)[i]);
    write_file_atomically(run_dir / "model.json", w.str());
}

CnnRunInfo read_cnn_run_info(const fs::path& run_dir) {
    if (!fs::is_directory(run_dir)) throw UsageError(run_dir.string() + ": no such run directory");
    const fs::path file = run_dir / "model.json";
    if (!fs::exists(file))
        throw UsageError(run_dir.string() + ": not a run directory (no model.json; train one with `quintet train cnn`)");
    const auto kv = parse_flat_json(read_file(file), file.string());
    auto get = [&](const char* key) {
        auto it = kv.find(key);
        if (it == kv.end()) throw FormatError(file.string(), std::string("missing \"") + key + "\"");
        return it->second;
    };
    const std::string model = get("model");
    if (model != kCnnModelKind)
        throw FormatError(file.string(), "holds a '" + model + "' model, not a MelodyCNN + HarmonyCNN run (cnn)");
    if (get("format") != std::to_string(kCnnFormat))
        throw FormatError(file.string(), "format " + get("format") + " is not supported (expected " + std::to_string(kCnnFormat) + ")");
    CnnRunInfo info;
    info.harmony_encoders = get("harmony_encoders");
    info.loss = get("loss");
    if (info.harmony_encoders != "shared" && info.harmony_encoders != "separate")
        throw FormatError(file.string(), "\"harmony_encoders\" must be shared or separate");
    if (info.loss != "bce" && info.loss != "mse") throw FormatError(file.string(), "\"loss\" must be bce or mse");
    info.corpus = get("corpus");
    for (std::size_t i = 0; i < 5; ++i)
        info.density[i] = number_in_unit_range(kv, std::string("density_") + kInstrumentKeys[i], file.string());
    if (kv.count("threshold_piano")) {
        std::array<double, 5> t{};
        for (std::size_t i = 0; i < 5; ++i) t[i] = number_in_unit_range(kv, std::string("threshold_") + kInstrumentKeys[i], file.string());
        info.thresholds = t;
    }
    return info;
}

}  // namespace quintet
