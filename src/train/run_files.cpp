#include "train/run_files.hpp"

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "train/flat_json.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

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

void write_config_json(const fs::path& run_dir, const VaeNnTrainConfig& c, const std::vector<DataSummary>& data) {
    FlatJsonWriter w;
    w.add("model", kVaeNnModelKind)
        .add("corpus", fs::absolute(c.corpus).string())
        .add("latent", c.latent)
        .add("likelihood", c.likelihood)
        .add("latent_nets", c.latent_nets)
        .add("epochs", c.epochs)
        .add("net_epochs", c.net_epochs < 0 ? c.epochs : c.net_epochs)
        .add("batch", c.batch)
        .add("lr", c.lr)
        .add("weight_decay", c.weight_decay)
        .add("optimizer", "adam")
        .add("device", c.device)
        .add("seed", static_cast<long long>(c.seed))
        .add("kl_warmup", c.kl_warmup)
        .add("early_stop", c.early_stop)
        .add("max_windows", static_cast<long long>(c.max_windows))
        .add("resolution", 2)
        .add("window", 32);
    std::string summary = "{";
    for (std::size_t s = 0; s < data.size(); ++s) {
        const auto& d = data[s];
        std::string ne;
        for (std::size_t i = 0; i < d.non_empty.size(); ++i) ne += (i ? ", " : "") + std::to_string(d.non_empty[i]);
        summary += (s ? ", " : "") + json_quote(d.split) + ": {\"songs\": " + std::to_string(d.songs) +
                   ", \"windows\": " + std::to_string(d.windows) + ", \"pairs\": " + std::to_string(d.pairs) +
                   ", \"non_empty_windows\": {\"order\": [\"piano\", \"guitar\", \"bass\", \"strings\", \"drums\"], "
                   "\"counts\": [" + ne + "]}}";
    }
    w.add_raw("data", summary + "}");
    write_file_atomically(run_dir / "config.json", w.str());
}

CurveFile::CurveFile(fs::path path) : path_(std::move(path)) {}

void CurveFile::load_until(int stage, int epoch) {
    rows_.clear();
    if (!fs::exists(path_)) return;
    std::istringstream in(read_file(path_));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        EpochRecord r;
        int improved = 0;
        int n = std::sscanf(line.c_str(), "%d,%d,%d,%lf,%lf,%lf,%lf,%d,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &r.stage,
                            &r.epoch, &r.epochs, &r.train_loss, &r.valid_loss, &r.seconds, &r.samples_per_s, &improved,
                            &r.part_train[0], &r.part_train[1], &r.part_train[2], &r.part_train[3], &r.part_train[4],
                            &r.part_valid[0], &r.part_valid[1], &r.part_valid[2], &r.part_valid[3], &r.part_valid[4]);
        if (n != 18) throw FormatError(path_.string(), "malformed curve row: " + line);
        r.improved = improved != 0;
        if (r.stage < stage || (r.stage == stage && r.epoch <= epoch)) rows_.push_back(r);
    }
}

void CurveFile::add(const EpochRecord& r) {
    rows_.push_back(r);
    write();
}

void CurveFile::write() const {
    std::string out =
        "stage,epoch,epochs,train_loss,valid_loss,seconds,samples_per_s,best,"
        "train_piano,train_guitar,train_bass,train_strings,train_drums,"
        "valid_piano,valid_guitar,valid_bass,valid_strings,valid_drums\n";
    char buf[512];
    for (const auto& r : rows_) {
        std::snprintf(buf, sizeof buf, "%d,%d,%d,%.9g,%.9g,%.3f,%.2f,%d,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n",
                      r.stage, r.epoch, r.epochs, r.train_loss, r.valid_loss, r.seconds, r.samples_per_s,
                      r.improved ? 1 : 0, r.part_train[0], r.part_train[1], r.part_train[2], r.part_train[3],
                      r.part_train[4], r.part_valid[0], r.part_valid[1], r.part_valid[2], r.part_valid[3],
                      r.part_valid[4]);
        out += buf;
    }
    write_file_atomically(path_, out);
}

}  // namespace quintet
