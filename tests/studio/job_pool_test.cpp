// JobPool's change notifications (what the studio's server-sent events are made of): a watcher waiting for a
// change wakes with the job's next status, sees every stage the job steps through one at a time (the job
// waits for the watcher between steps here, so nothing is coalesced), and ends with the final state.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "studio/job_pool.hpp"

using quintet::studio::JobPool;
using quintet::studio::JobProgress;
using quintet::studio::JobStatus;
using namespace std::chrono_literals;

TEST(JobPool, WaitForChangeSeesEachStepAndTheEnd) {
    JobPool pool(1, 4);
    std::atomic<int> acknowledged{0};
    // The job reports three steps, each after the watcher has seen the state before (acknowledged: 1 when it
    // saw the job start, k + 1 when it saw step k), and ends when the watcher has seen step 3.
    const auto wait_for_watcher = [&](int n) {
        while (acknowledged.load() < n) std::this_thread::sleep_for(1ms);
    };
    const auto id = pool.submit("test", [&](JobProgress& p) {
        for (int step = 1; step <= 3; ++step) {
            wait_for_watcher(step);
            p.report(step / 4.0, "step " + std::to_string(step));
            p.report(step / 4.0, "step " + std::to_string(step));  // the same again: no new version
        }
        wait_for_watcher(4);
        return nlohmann::json{{"answer", 42}};
    });
    ASSERT_TRUE(id);
    std::vector<JobStatus> seen;
    unsigned long long version = 0;
    for (int i = 0; i < 200 && (seen.empty() || !seen.back().finished()); ++i) {
        auto s = pool.wait_for_change(*id, version, 5s);
        ASSERT_TRUE(s);
        if (s->version == version) continue;
        version = s->version;
        seen.push_back(*s);
        if (s->stage == "starting") acknowledged = 1;
        if (s->stage.rfind("step ", 0) == 0) acknowledged = (s->stage[5] - '0') + 1;
    }
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().state, "done");
    EXPECT_EQ(seen.back().progress, 1.0);
    EXPECT_EQ(seen.back().result["answer"], 42);
    // Every step was seen, in order, each once, with its fraction.
    std::vector<std::string> steps;
    for (const auto& s : seen)
        if (s.stage.rfind("step ", 0) == 0) steps.push_back(s.stage);
    EXPECT_EQ(steps, (std::vector<std::string>{"step 1", "step 2", "step 3"}));
    for (std::size_t i = 1; i < seen.size(); ++i) {
        EXPECT_GT(seen[i].version, seen[i - 1].version);
        EXPECT_GE(seen[i].progress, seen[i - 1].progress);
    }
}

TEST(JobPool, WaitForChangeTimesOutUnchangedAndKnowsNoUnknownJob) {
    JobPool pool(1, 4);
    EXPECT_FALSE(pool.wait_for_change("job99", 0, 1ms));
    std::atomic<bool> release{false};
    const auto id = pool.submit("test", [&](JobProgress& p) {
        p.report(0.5, "holding");
        while (!release) std::this_thread::sleep_for(1ms);
        throw std::runtime_error("it broke");
        return nlohmann::json();
    });
    ASSERT_TRUE(id);
    // Wait until it holds, then a wait with the current version times out with the same status.
    JobStatus now;
    for (unsigned long long v = 0;;) {
        auto s = pool.wait_for_change(*id, v, 5s);
        ASSERT_TRUE(s);
        v = s->version;
        if (s->stage == "holding") { now = *s; break; }
    }
    const auto same = pool.wait_for_change(*id, now.version, 20ms);
    ASSERT_TRUE(same);
    EXPECT_EQ(same->version, now.version);
    release = true;
    auto end = pool.wait_for_change(*id, now.version, 5s);
    ASSERT_TRUE(end);
    EXPECT_EQ(end->state, "failed");
    EXPECT_EQ(end->error, "it broke");
}
