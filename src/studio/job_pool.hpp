#pragma once
// Work the studio does for a page (generating, rendering): jobs on a fixed number of worker threads with a
// bounded queue. A page polls a job's state, stage and progress, or waits for its next change
// (wait_for_change: server-sent events); a job that throws ends "failed" with the exception's one-line
// message, and the workers go on.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace quintet::studio {

// What a running job tells its watchers.
class JobProgress {
public:
    virtual ~JobProgress() = default;
    virtual void report(double fraction, const std::string& stage) = 0;  // fraction in [0, 1]
};

using JobWork = std::function<nlohmann::json(JobProgress&)>;  // returns the job's result

struct JobStatus {
    std::string id, kind;
    std::string state;   // queued, running, done, failed, cancelled
    std::string stage;   // what it is doing now
    double progress = 0;
    std::string error;   // failed: one line
    nlohmann::json result;
    unsigned long long version = 0;  // counts the changes of the above (not in the JSON)
    bool finished() const { return state == "done" || state == "failed" || state == "cancelled"; }
    nlohmann::json to_json() const;
};

class JobPool {
public:
    // `workers` threads (at least 1); at most `max_queued` jobs wait, and the statuses of the last
    // `max_kept` finished jobs are kept.
    // Job ids are `id_prefix` and a number ("job12").
    JobPool(int workers, std::size_t max_queued, std::size_t max_kept = 512, std::string id_prefix = "job");
    ~JobPool();  // shutdown()
    JobPool(const JobPool&) = delete;
    JobPool& operator=(const JobPool&) = delete;

    // The new job's id; nullopt when the queue is full or the pool is shutting down.
    std::optional<std::string> submit(const std::string& kind, JobWork work);
    std::optional<JobStatus> status(const std::string& id) const;
    // The job's status as soon as its version differs from `seen` (at once when it already does), or as it
    // is after `timeout`; nullopt for an unknown job.
    std::optional<JobStatus> wait_for_change(const std::string& id, unsigned long long seen,
                                             std::chrono::milliseconds timeout) const;
    std::size_t queued() const;

    // Takes no more jobs, cancels the queued ones, waits for the running ones to end.
    void shutdown();

private:
    struct Job {
        JobStatus status;
        JobWork work;
    };
    class Reporter;
    void worker();
    void finish(const std::string& id);
    void changed(JobStatus& status);  // under mutex_: a new version, watchers woken

    mutable std::mutex mutex_;
    std::condition_variable wake_;            // workers: a job is queued, or stopping
    mutable std::condition_variable change_;  // watchers: a job's status changed
    std::deque<std::string> queue_;
    std::map<std::string, Job> jobs_;
    std::deque<std::string> finished_;
    std::vector<std::thread> threads_;
    std::size_t max_queued_, max_kept_;
    std::string prefix_;
    unsigned long long next_id_ = 1;
    bool stopping_ = false;
};

}  // namespace quintet::studio
