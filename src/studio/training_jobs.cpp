#include "studio/training_jobs.hpp"

#include <algorithm>

#include "runs/run_dir.hpp"
#include "systems/request_options.hpp"
#include "studio/knob_form.hpp"
#include "systems/registry.hpp"
#include "util/error.hpp"

namespace quintet::studio {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool plain_name(const std::string& name) {
    return !name.empty() && name.size() <= 255 && name[0] != '.' && name.find('/') == std::string::npos &&
           name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

bool is_store_name(const std::string& name) {
    auto ends = [&](const std::string& ext) { return name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0; };
    return plain_name(name) && (ends(".qstore") || ends(".store"));
}

// A path under `root` that stays there once links are followed (the file need not exist yet).
fs::path inside(const fs::path& root, const std::string& name, const std::string& what) {
    const fs::path real = fs::weakly_canonical(root / name), base = fs::weakly_canonical(root);
    const auto rel = real.lexically_relative(base);
    if (rel.empty() || *rel.begin() == "..") throw UsageError(what + " '" + name + "' leads outside its folder");
    return real;
}

}  // namespace

TrainingJobs::TrainingJobs(fs::path runs_dir, fs::path corpora_dir, std::string device)
    : runs_dir_(std::move(runs_dir)), corpora_dir_(std::move(corpora_dir)), device_(std::move(device)), pool_(1, 2, 64, "train") {}

json TrainingJobs::corpora() const {
    json out = json::array();
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(corpora_dir_, ec)) {
        const std::string name = e.path().filename().string();
        if (is_store_name(name) && e.is_regular_file(ec)) out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string TrainingJobs::start(const json& r) {
    if (!r.is_object()) throw UsageError("expected {\"kind\", \"run\", \"corpus\", \"knobs\"}");
    const std::string run = r.value("run", std::string());
    if (!plain_name(run)) throw UsageError("run name '" + run + "' is not a directory name under --runs");
    const std::string corpus = r.value("corpus", std::string());
    if (!is_store_name(corpus)) throw UsageError("corpus '" + corpus + "' is not a store name (NAME.qstore or NAME.store)");
    const fs::path corpus_path = inside(corpora_dir_, corpus, "corpus");
    std::error_code ec;
    if (!fs::is_regular_file(corpus_path, ec)) throw UsageError("unknown corpus '" + corpus + "'");
    const fs::path run_dir = inside(runs_dir_, run, "run");
    const bool resume = r.value("resume", false);

    auto system = make_system(r.value("kind", std::string()));
    auto settings = std::shared_ptr<Settings>(system->train_settings());
    const json knobs = r.contains("knobs") ? r["knobs"] : json::object();
    if (!knobs.is_object()) throw UsageError("knobs: expected an object of option names and values");
    for (const auto& [name, value] : knobs.items()) {
        const Option* o = find_option(settings->options(), name);
        if (!o || o->type == Option::Type::Path || o->type == Option::Type::PathList)
            throw UsageError("unknown knob " + name + " for training " + system->kind());
        if (o->type == Option::Type::Flag) {
            if (!value.is_boolean()) throw UsageError(name + ": expected true or false");
            if (value.get<bool>()) set_option(settings->options(), name, "true");
        } else {
            if (!value.is_string() && !value.is_number()) throw UsageError(name + ": expected a number or a text");
            set_option(settings->options(), name, value.is_string() ? value.get<std::string>() : value.dump());
        }
    }
    TrainRequest request;
    request.corpus = corpus_path;
    request.run_dir = run_dir;
    request.device = device_;
    request.resume = resume;
    request.quiet = true;
    if (r.contains("seed")) {
        auto table = train_request_options(request);
        set_option(table, "--seed", r["seed"].is_string() ? r["seed"].get<std::string>() : r["seed"].dump());
    }
    prepare_run_dir(run_dir, system->kind(), resume);  // a run there without resume: refused now, not in the job

    auto flag = std::make_shared<std::atomic<bool>>(false);
    {
        std::lock_guard lock(mutex_);
        auto it = stop_flags_.find(run);
        if (it != stop_flags_.end() && !*it->second) throw UsageError("run '" + run + "' is training already");
        stop_flags_[run] = flag;
    }
    std::shared_ptr<System> shared_system(std::move(system));
    auto id = pool_.submit("train", [shared_system, settings, request, flag, run](JobProgress& progress) mutable {
        progress.report(0, "training");
        request.on_epoch = [&progress, flag](const EpochRecord& e) {
            progress.report(e.epochs > 0 ? double(e.epoch) / e.epochs : 0,
                            "stage " + std::to_string(e.stage) + " epoch " + std::to_string(e.epoch) + "/" +
                                std::to_string(e.epochs) + ", valid " + std::to_string(e.valid_loss));
            return !*flag;
        };
        json result;
        try {
            const TrainResult t = shared_system->train(request, *settings);
            json stages = json::array();
            for (const auto& s : t.stages)
                stages.push_back({{"name", s.name}, {"loss", s.loss}, {"epochs", s.epochs}, {"best_valid", s.best_valid}});
            result = {{"run", run}, {"finished", t.finished}, {"stages", stages}};
        } catch (...) {
            *flag = true;
            throw;
        }
        *flag = true;  // not training any more: a new start of this run is allowed
        return result;
    });
    if (!id) {
        *flag = true;
        return "";
    }
    return *id;
}

bool TrainingJobs::stop(const std::string& run) {
    std::lock_guard lock(mutex_);
    auto it = stop_flags_.find(run);
    if (it == stop_flags_.end() || *it->second) return false;
    *it->second = true;
    return true;
}

void TrainingJobs::shutdown() {
    {
        std::lock_guard lock(mutex_);
        for (auto& [run, flag] : stop_flags_) *flag = true;
    }
    pool_.shutdown();
}

}  // namespace quintet::studio
