#pragma once
// curve.csv of a run directory: one row per epoch of any stage, with the system's own named columns
// (per-instrument losses, a GAN's D and G losses, ...) after the common ones. No torch.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace quintet {

// One epoch, as the epoch loop reports it (nn/epoch_loop.hpp) and curve.csv stores it.
struct EpochRecord {
    int stage = 1;                 // 1-based stage of the system's training
    int epoch = 0;                 // 1-based within the stage
    int epochs = 0;                // planned epochs of the stage
    double train_loss = 0, valid_loss = 0;
    double seconds = 0;            // wall time of the epoch (training + validation)
    double samples_per_s = 0;      // training items per second
    bool improved = false;         // new best valid loss: the best weights were rewritten
    std::vector<double> columns;   // the system's columns, in CurveFile::columns() order
};

// Called after each epoch once the checkpoint is written; false stops training there (as an interruption
// would: --resume continues from that point).
using EpochCallback = std::function<bool(const EpochRecord&)>;

class CurveFile {
public:
    CurveFile(std::filesystem::path path, std::vector<std::string> columns);
    // Re-reads the rows of an earlier run up to (stage, epoch) inclusive (for --resume); FormatError on a
    // row that does not have the columns.
    void load_until(int stage, int epoch);
    void add(const EpochRecord& r);  // rewrites the file atomically (unless kept in memory)
    // Rows are kept but the file is never written (the ranks of a distributed job other than rank 0).
    void keep_in_memory() { in_memory_ = true; }
    const std::vector<EpochRecord>& rows() const { return rows_; }
    const std::vector<std::string>& columns() const { return columns_; }
    const std::filesystem::path& path() const { return path_; }

private:
    void write() const;
    std::filesystem::path path_;
    std::vector<std::string> columns_;
    std::vector<EpochRecord> rows_;
    bool in_memory_ = false;
};

}  // namespace quintet
