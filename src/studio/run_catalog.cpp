#include "studio/run_catalog.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "runs/run_dir.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet::studio {

namespace fs = std::filesystem;

fs::path run_path(const fs::path& runs_dir, const std::string& name) {
    const bool plain = !name.empty() && name.size() <= 255 && name[0] != '.' && name.find('/') == std::string::npos &&
                       name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
    if (!plain) throw UsageError("run name '" + name + "' is not a directory name under --runs");
    std::error_code ec;
    const fs::path root = fs::canonical(runs_dir, ec);
    if (ec) throw IoError(runs_dir.string() + ": cannot open the runs directory: " + ec.message());
    const fs::path dir = runs_dir / name;
    const fs::path real = fs::canonical(dir, ec);
    if (ec || !fs::is_directory(real)) throw UsageError("unknown run '" + name + "'");
    const auto rel = real.lexically_relative(root);
    if (rel.empty() || *rel.begin() == "..") throw UsageError("run '" + name + "' leads outside --runs");
    if (!fs::is_regular_file(real / "config.json", ec)) throw UsageError("unknown run '" + name + "' (no config.json)");
    return real;
}

std::vector<CurvePoint> read_curve_points(const fs::path& curve_csv) {
    std::vector<CurvePoint> out;
    std::error_code ec;
    if (!fs::exists(curve_csv, ec)) return out;
    std::istringstream in(read_file(curve_csv));
    std::string line;
    std::getline(in, line);  // header: stage,epoch,epochs,train_loss,valid_loss,...
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::istringstream cells(line);
        std::string cell;
        double v[5];
        int n = 0;
        for (; n < 5 && std::getline(cells, cell, ','); ++n) {
            char* end = nullptr;
            v[n] = std::strtod(cell.c_str(), &end);
            if (cell.empty() || *end != '\0') break;
        }
        if (n < 5) throw FormatError(curve_csv.string(), "malformed curve row: " + line);
        out.push_back({int(v[0]), int(v[1]), int(v[2]), v[3], v[4]});
    }
    return out;
}

namespace {

RunSummary summarise(const fs::path& dir, const std::string& name) {
    RunSummary r;
    r.name = name;
    try {
        const auto d = describe_run(dir);
        r.kind = d.kind;
        r.corpus = d.corpus.string();
        r.curve = read_curve_points(dir / "curve.csv");
        for (const auto& p : r.curve) {
            if (r.stages.empty() || r.stages.back().stage != p.stage) r.stages.push_back({p.stage, 0, 0, p.valid_loss});
            auto& s = r.stages.back();
            s.epochs_done += 1;
            s.epochs_planned = p.epochs;
            s.best_valid = std::min(s.best_valid, p.valid_loss);
        }
        r.epochs = int(r.curve.size());
    } catch (const Error& e) {
        r.problem = e.what();
    }
    return r;
}

}  // namespace

std::vector<RunSummary> list_runs(const fs::path& runs_dir) {
    std::vector<RunSummary> runs;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(runs_dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name[0] == '.') continue;
        fs::path dir;
        try {
            dir = run_path(runs_dir, name);
        } catch (const Error&) {
            continue;  // not a run (no config.json), or a link out of --runs
        }
        runs.push_back(summarise(dir, name));
    }
    if (ec) throw IoError(runs_dir.string() + ": cannot list the runs directory: " + ec.message());
    std::sort(runs.begin(), runs.end(), [](const RunSummary& a, const RunSummary& b) { return a.name < b.name; });
    return runs;
}

RunSummary describe_studio_run(const fs::path& runs_dir, const std::string& name) {
    return summarise(run_path(runs_dir, name), name);
}

}  // namespace quintet::studio
