#include <gtest/gtest.h>

#include "models/runtime.hpp"
#include "util/error.hpp"

using namespace quintet;

TEST(Runtime, ParsesCpuAndRejectsUnknownDevices) {
    EXPECT_EQ(parse_device("cpu").type(), torch::kCPU);
    EXPECT_THROW(parse_device("tpu"), UsageError);
    if (!torch::cuda::is_available()) {
        EXPECT_THROW(parse_device("cuda"), UsageError);
    }
}

TEST(Runtime, ThreadsFollowTheEnvironmentOrTheFreeCores) {
    setenv("QUINTET_THREADS", "3", 1);
    configure_torch_threads();
    EXPECT_EQ(torch::get_num_threads(), 3);
    unsetenv("QUINTET_THREADS");
    int n = choose_torch_threads();
    EXPECT_GE(n, 1);
    EXPECT_LE(n, static_cast<int>(std::thread::hardware_concurrency()));
}
