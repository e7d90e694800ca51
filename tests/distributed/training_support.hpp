#pragma once
// What the distributed training tests share: the skip rule, the weight comparison and its tolerance, and a
// quiet `quintet train` in a process of its own.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "distributed/rank_process.hpp"
#include "nn/data_parallel.hpp"
#include "support/shared_data.hpp"
#include "util/atomic_file.hpp"

#define REQUIRE_C10D()                                                                                    \
    do {                                                                                                  \
        if (!::quintet::DataParallel::available()) GTEST_SKIP() << "this build has no c10d (libgloo-dev)"; \
        QUINTET_REQUIRE_SHARED_DATA("lpd5");                                                             \
    } while (0)

namespace quintet::test {

// Both floating-point paths sum the same products in another order (two half-batch means vs one mean, a
// Gloo sum), so the weights agree to rounding, amplified a little by Adam's division by sqrt(v): after a
// few steps they differ by ~1e-7 (measured: docs/distributed.md). The tolerance is 1e-5 absolute; a real
// change of the batch (1 process, batch B) moves them by more than 1e-3.
inline constexpr double kTolerance = 1e-5;

inline double max_difference(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
    EXPECT_EQ(a.size(), b.size());
    double worst = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        worst = std::max(worst, (a[i] - b[i]).abs().max().item<double>());
    return worst;
}

// `quintet train ARGS --quiet` in one process (or --nproc ranks), 1 thread per process; fails the test on an error.
inline void train_quietly(const std::string& args, const std::filesystem::path& dir, const std::string& name) {
    const auto p = start_quintet("train " + args + " --quiet", {{"QUINTET_THREADS", "1"}}, dir, name);
    const auto f = wait_for(p, std::chrono::seconds(300));
    ASSERT_TRUE(f.exited && f.code == 0) << name << ": " << read_file(p.err);
}

inline std::size_t count_lines(const std::string& s) { return std::size_t(std::count(s.begin(), s.end(), '\n')); }

}  // namespace quintet::test
