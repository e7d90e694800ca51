#pragma once
// The runs a studio serves: the directories under --runs that hold a config.json (any system), what each
// says about itself (kind, corpus, epochs, best valid loss, the curve), and the one way from a run's name to
// its directory, which never leaves --runs.
#include <filesystem>
#include <string>
#include <vector>

namespace quintet::studio {

struct CurvePoint {
    int stage = 1, epoch = 0, epochs = 0;  // epochs: planned for the stage
    double train_loss = 0, valid_loss = 0;
};

struct StageSummary {
    int stage = 1;
    int epochs_done = 0, epochs_planned = 0;
    double best_valid = 0;
};

struct RunSummary {
    std::string name;               // directory name under --runs
    std::string kind;               // config.json "model"
    std::string corpus;             // config.json "corpus"
    int epochs = 0;                 // rows of curve.csv over every stage
    std::vector<StageSummary> stages;
    std::vector<CurvePoint> curve;  // curve.csv's common columns
    std::string problem;            // non-empty: why the run cannot be described (it is still listed)
};

// runs_dir/name when `name` is a plain directory name (no '/', not '.', '..' or hidden) whose resolved path
// stays inside runs_dir (a symlink out is refused). UsageError otherwise; the message names the run.
std::filesystem::path run_path(const std::filesystem::path& runs_dir, const std::string& name);

// Every run under runs_dir, by name. A run whose files cannot be read is listed with `problem` set.
std::vector<RunSummary> list_runs(const std::filesystem::path& runs_dir);

// One run; UsageError "unknown run 'NAME'" when there is no run of that name.
RunSummary describe_studio_run(const std::filesystem::path& runs_dir, const std::string& name);

// curve.csv's common columns (FormatError on a malformed row); empty when the file does not exist.
std::vector<CurvePoint> read_curve_points(const std::filesystem::path& curve_csv);

}  // namespace quintet::studio
