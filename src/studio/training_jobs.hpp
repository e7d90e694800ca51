#pragma once
// Training from the studio: any registered system, on a corpus store from --corpora, into a new run under
// --runs, with the system's training knobs (its option table, as on the CLI). One training at a time on its
// own worker (a training takes minutes; songs keep their workers). The run's curve grows in curve.csv, which
// GET /api/runs/NAME reads, so a page watches it live; stop ends it after the epoch under way (its checkpoint
// is written: resume continues from there).
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "studio/job_pool.hpp"

namespace quintet::studio {

class TrainingJobs {
public:
    TrainingJobs(std::filesystem::path runs_dir, std::filesystem::path corpora_dir, std::string device);

    // The stores a training can use: files named *.qstore or *.store directly under corpora_dir.
    nlohmann::json corpora() const;

    // {"kind", "run", "corpus", "knobs": {...}, "seed": "1", "resume": false} -> the job id. UsageError (a 4xx)
    // for an unknown system, knob or corpus, a bad run name, a run that exists without resume; nullopt-like
    // empty string when the training worker is busy.
    std::string start(const nlohmann::json& request);

    // Asks the training of `run` to stop after its current epoch; false when no training of it is under way.
    bool stop(const std::string& run);

    std::optional<JobStatus> status(const std::string& id) const { return pool_.status(id); }
    std::optional<JobStatus> wait_for_change(const std::string& id, unsigned long long seen, std::chrono::milliseconds timeout) const {
        return pool_.wait_for_change(id, seen, timeout);
    }
    void shutdown();  // stops the training under way after its epoch, and waits

private:
    std::filesystem::path runs_dir_, corpora_dir_;
    std::string device_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<std::atomic<bool>>> stop_flags_;  // run -> stop asked
    JobPool pool_;
};

}  // namespace quintet::studio
