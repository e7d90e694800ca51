#include "studio/job_pool.hpp"

#include <algorithm>
#include <exception>

namespace quintet::studio {

nlohmann::json JobStatus::to_json() const {
    nlohmann::json j = {{"id", id}, {"kind", kind}, {"state", state}, {"stage", stage}, {"progress", progress}};
    if (!error.empty()) j["error"] = error;
    if (!result.is_null()) j["result"] = result;
    return j;
}

class JobPool::Reporter : public JobProgress {
public:
    Reporter(JobPool& pool, std::string id) : pool_(pool), id_(std::move(id)) {}
    void report(double fraction, const std::string& stage) override {
        std::lock_guard lock(pool_.mutex_);
        auto it = pool_.jobs_.find(id_);
        if (it == pool_.jobs_.end()) return;
        auto& status = it->second.status;
        const double clamped = std::clamp(fraction, 0.0, 1.0);
        if (status.progress == clamped && status.stage == stage) return;  // no change: no event
        status.progress = clamped;
        status.stage = stage;
        pool_.changed(status);
    }

private:
    JobPool& pool_;
    std::string id_;
};

JobPool::JobPool(int workers, std::size_t max_queued, std::size_t max_kept, std::string id_prefix)
    : max_queued_(max_queued), max_kept_(max_kept), prefix_(std::move(id_prefix)) {
    for (int i = 0; i < std::max(1, workers); ++i) threads_.emplace_back([this] { worker(); });
}

JobPool::~JobPool() { shutdown(); }

std::optional<std::string> JobPool::submit(const std::string& kind, JobWork work) {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= max_queued_) return std::nullopt;
    const std::string id = prefix_ + std::to_string(next_id_++);
    Job job;
    job.status.id = id;
    job.status.kind = kind;
    job.status.state = "queued";
    job.status.stage = "waiting for a worker";
    job.work = std::move(work);
    job.status.version = 1;
    jobs_.emplace(id, std::move(job));
    queue_.push_back(id);
    wake_.notify_one();
    return id;
}

std::optional<JobStatus> JobPool::status(const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return std::nullopt;
    return it->second.status;
}

std::optional<JobStatus> JobPool::wait_for_change(const std::string& id, unsigned long long seen,
                                                  std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    const auto current = [&]() -> const JobStatus* {
        auto it = jobs_.find(id);
        return it == jobs_.end() ? nullptr : &it->second.status;
    };
    change_.wait_for(lock, timeout, [&] {
        const JobStatus* s = current();
        return !s || s->version != seen;
    });
    const JobStatus* s = current();
    if (!s) return std::nullopt;
    return *s;
}

void JobPool::changed(JobStatus& status) {
    ++status.version;
    change_.notify_all();
}

std::size_t JobPool::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

void JobPool::worker() {
    for (;;) {
        std::string id;
        JobWork work;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping
            id = queue_.front();
            queue_.pop_front();
            auto& job = jobs_.at(id);
            job.status.state = "running";
            job.status.stage = "starting";
            changed(job.status);
            work = std::move(job.work);
        }
        Reporter reporter(*this, id);
        nlohmann::json result;
        std::string error;
        try {
            result = work(reporter);
        } catch (const std::exception& e) {
            error = e.what();
            if (error.empty()) error = "failed";
        } catch (...) {
            error = "failed with an unknown error";
        }
        // One line: the page shows it as is.
        std::replace(error.begin(), error.end(), '\n', ' ');
        std::lock_guard lock(mutex_);
        auto& status = jobs_.at(id).status;
        status.state = error.empty() ? "done" : "failed";
        status.error = error;
        status.result = std::move(result);
        if (error.empty()) {
            status.progress = 1;
            status.stage = "done";
        }
        changed(status);
        finish(id);
    }
}

void JobPool::finish(const std::string& id) {
    finished_.push_back(id);
    while (finished_.size() > max_kept_) {
        jobs_.erase(finished_.front());
        finished_.pop_front();
    }
}

void JobPool::shutdown() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
        for (const auto& id : queue_) {
            auto& s = jobs_.at(id).status;
            s.state = "cancelled";
            s.stage = "the studio is stopping";
            changed(s);
            finish(id);
        }
        queue_.clear();
    }
    wake_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

}  // namespace quintet::studio
