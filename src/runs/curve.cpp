#include "runs/curve.hpp"

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;

namespace {
constexpr const char* kCommonHeader = "stage,epoch,epochs,train_loss,valid_loss,seconds,samples_per_s,best";
constexpr std::size_t kCommonColumns = 8;

std::vector<std::string> split_commas(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream in(line);
    std::string cell;
    while (std::getline(in, cell, ',')) out.push_back(cell);
    if (!line.empty() && line.back() == ',') out.emplace_back();
    return out;
}

bool to_double(const std::string& text, double& v) {
    char* end = nullptr;
    v = std::strtod(text.c_str(), &end);
    return !text.empty() && *end == '\0';
}
}  // namespace

CurveFile::CurveFile(fs::path path, std::vector<std::string> columns) : path_(std::move(path)), columns_(std::move(columns)) {}

void CurveFile::load_until(int stage, int epoch) {
    rows_.clear();
    if (!fs::exists(path_)) return;
    std::istringstream in(read_file(path_));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        auto cells = split_commas(line);
        std::vector<double> v(cells.size());
        bool ok = cells.size() == kCommonColumns + columns_.size();
        for (std::size_t i = 0; ok && i < cells.size(); ++i) ok = to_double(cells[i], v[i]);
        if (!ok) throw FormatError(path_.string(), "malformed curve row: " + line);
        EpochRecord r;
        r.stage = int(v[0]);
        r.epoch = int(v[1]);
        r.epochs = int(v[2]);
        r.train_loss = v[3];
        r.valid_loss = v[4];
        r.seconds = v[5];
        r.samples_per_s = v[6];
        r.improved = v[7] != 0;
        r.columns.assign(v.begin() + kCommonColumns, v.end());
        if (r.stage < stage || (r.stage == stage && r.epoch <= epoch)) rows_.push_back(r);
    }
}

void CurveFile::add(const EpochRecord& r) {
    rows_.push_back(r);
    if (!in_memory_) write();
}

void CurveFile::write() const {
    std::string out = kCommonHeader;
    for (const auto& c : columns_) out += "," + c;
    out += "\n";
    char buf[64];
    for (const auto& r : rows_) {
        std::snprintf(buf, sizeof buf, "%d,%d,%d,", r.stage, r.epoch, r.epochs);
        out += buf;
        std::snprintf(buf, sizeof buf, "%.9g,%.9g,%.3f,%.2f,%d", r.train_loss, r.valid_loss, r.seconds, r.samples_per_s,
                      r.improved ? 1 : 0);
        out += buf;
        for (std::size_t i = 0; i < columns_.size(); ++i) {
            std::snprintf(buf, sizeof buf, ",%.9g", i < r.columns.size() ? r.columns[i] : 0.0);
            out += buf;
        }
        out += "\n";
    }
    write_file_atomically(path_, out);
}

}  // namespace quintet
