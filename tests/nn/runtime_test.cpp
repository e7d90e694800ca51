#include <gtest/gtest.h>

#include <thread>

#include "nn/runtime.hpp"
#include "util/error.hpp"

using namespace quintet;

TEST(Runtime, ParsesCpuAndRejectsUnknownDevices) {
    EXPECT_EQ(parse_device("cpu").type(), torch::kCPU);
    EXPECT_THROW(parse_device("tpu"), UsageError);
    if (!torch::cuda::is_available()) {
        EXPECT_THROW(parse_device("cuda"), UsageError);
    }
}

// The rule: every hardware thread, whatever the load; QUINTET_THREADS overrides when it is a positive integer.
TEST(Runtime, ThreadsAreAllHardwareThreadsUnlessOverridden) {
    EXPECT_EQ(choose_torch_threads(nullptr, 2), 2);
    EXPECT_EQ(choose_torch_threads(nullptr, 16), 16);
    EXPECT_EQ(choose_torch_threads(nullptr, 0), 1);  // hardware_concurrency() may say 0: unknown
    EXPECT_EQ(choose_torch_threads("3", 2), 3);
    EXPECT_EQ(choose_torch_threads("0", 4), 4);
    EXPECT_EQ(choose_torch_threads("-2", 4), 4);
    EXPECT_EQ(choose_torch_threads("two", 4), 4);
    EXPECT_EQ(choose_torch_threads("3x", 4), 4);
    EXPECT_EQ(choose_torch_threads("", 4), 4);
}

TEST(Runtime, ConfigureAppliesTheRule) {
    setenv("QUINTET_THREADS", "3", 1);
    configure_torch_threads();
    EXPECT_EQ(torch::get_num_threads(), 3);
    unsetenv("QUINTET_THREADS");
    configure_torch_threads();
    EXPECT_EQ(torch::get_num_threads(), int(std::max(1u, std::thread::hardware_concurrency())));
}

TEST(Runtime, CpuTimesParseProcFiles) {
    const auto t = parse_cpu_times("cpu  100 5 20 800 10 1 2 3 0 0\ncpu0 1 2 3\n",
                                   "4242 (quintet nn) R 1 2 3 4 5 6 7 8 9 10 70 30 0 0 20 0 9");
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->total, 941);        // user..steal
    EXPECT_EQ(t->busy, 941 - 810);   // without idle and iowait
    EXPECT_EQ(t->own, 100);          // utime 70 + stime 30 (the name holds a space)
    EXPECT_FALSE(parse_cpu_times("intr 1 2", "1 (x) R").has_value());
    EXPECT_TRUE(read_cpu_times().has_value());  // this machine's files parse
}

// Hand-computed: 2 CPUs for 100 ticks of wall time each = 200 ticks in all.
TEST(Runtime, ThreadsForTheCoresOthersLeftFree) {
    const CpuTimes start{0, 0, 0};
    EXPECT_EQ(threads_for_free_cores(start, {200, 200, 200}, 2), 2);   // only we ran, on both cores
    EXPECT_EQ(threads_for_free_cores(start, {195, 200, 95}, 2), 1);    // another process took a core
    EXPECT_EQ(threads_for_free_cores(start, {120, 200, 100}, 2), 2);   // others used 0.2 of a core
    EXPECT_EQ(threads_for_free_cores(start, {200, 200, 0}, 2), 1);     // both cores busy with others: still 1
    EXPECT_EQ(threads_for_free_cores(start, {10, 200, 10}, 2), 2);     // idle machine
    EXPECT_EQ(threads_for_free_cores(start, {0, 0, 0}, 8), 8);         // no time passed: every thread
    EXPECT_EQ(threads_for_free_cores(start, {700, 800, 100}, 8), 2);   // 6 of 8 cores busy with others
}

TEST(Runtime, TheTunerLeavesAnOverrideAlone) {
    setenv("QUINTET_THREADS", "1", 1);
    configure_torch_threads();
    ThreadTuner tuner;
    EXPECT_EQ(tuner.retune(), "");
    EXPECT_EQ(torch::get_num_threads(), 1);
    unsetenv("QUINTET_THREADS");
}
