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
