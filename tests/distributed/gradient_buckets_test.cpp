// Persistent gradient buckets (nn/data_parallel.cpp) in a real 2-rank group on loopback: this test process is
// rank 0 and starts its own binary again as rank 1 (the same test, told its rank by QUINTET_TEST_RANK). Each
// rank trains a small net on its half of a batch for a few steps (zero_grad, backward, reduce_gradients,
// clip_grad_norm_, step); the weights must equal a plain training of the same net on the whole batch in this
// process (no DataParallel), and every gradient must stay a slice of a flat block: after each step and
// zero_grad() it has the data pointer it had after the first reduction, and with one bucket the gradients of
// consecutive parameters lie end to end.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "distributed/rank_process.hpp"
#include "nn/data_parallel.hpp"
#include "nn/fused_adamw.hpp"
#include "support/tiny_store.hpp"
#include "util/local_ranks.hpp"

using namespace quintet;

namespace {

constexpr int kRows = 8, kIn = 6, kOut = 3, kSteps = 4;

torch::nn::Sequential small_net() {
    torch::manual_seed(3);
    return torch::nn::Sequential(torch::nn::Linear(kIn, 5), torch::nn::Tanh(), torch::nn::Linear(5, kOut));
}

std::unique_ptr<torch::optim::Optimizer> optimizer_for(torch::nn::Sequential& net, bool fused) {
    if (fused) return std::make_unique<FusedAdamW>(net->parameters(), torch::optim::AdamWOptions(0.05).weight_decay(0.01));
    return std::make_unique<torch::optim::Adam>(net->parameters(), torch::optim::AdamOptions(0.05));
}

// One optimiser step on `rows` of the batch; `group` reduces the gradients when given.
void train_step(torch::nn::Sequential& net, torch::optim::Optimizer& opt, const torch::Tensor& x, const torch::Tensor& y,
                DataParallel* group) {
    opt.zero_grad();
    torch::mse_loss(net->forward(x), y).backward();
    if (group) group->reduce_gradients(opt, 0.5);  // each rank holds half the rows
    torch::nn::utils::clip_grad_norm_(net->parameters(), 0.5);
    opt.step();
}

// Both ranks run this: `bucket_bytes` cuts the buckets; FusedAdamW or LibTorch's Adam steps.
void check_scenario(DataParallel& group, std::size_t bucket_bytes, bool fused) {
    SCOPED_TRACE("bucket bytes " + std::to_string(bucket_bytes) + (fused ? ", FusedAdamW" : ", Adam"));
    torch::manual_seed(42);
    const auto x = torch::randn({kRows, kIn}), y = torch::randn({kRows, kOut});
    const auto mine_x = x.narrow(0, group.rank() * kRows / 2, kRows / 2), mine_y = y.narrow(0, group.rank() * kRows / 2, kRows / 2);

    auto net = small_net(), reference = small_net();
    auto opt = optimizer_for(net, fused), reference_opt = optimizer_for(reference, fused);
    group.set_bucket_bytes(bucket_bytes);
    std::vector<const void*> where;
    for (int s = 0; s < kSteps; ++s) {
        train_step(net, *opt, mine_x, mine_y, &group);
        train_step(reference, *reference_opt, x, y, nullptr);
        std::vector<const void*> now;
        for (const auto& p : net->parameters()) now.push_back(p.grad().data_ptr());
        if (s == 0) where = now;
        EXPECT_EQ(now, where) << "after step " << s + 1 << " a gradient moved out of its bucket";
    }
    opt->zero_grad();
    for (std::size_t i = 0; i < net->parameters().size(); ++i) {
        const auto& g = net->parameters()[i].grad();
        EXPECT_EQ(g.data_ptr(), where[i]) << "zero_grad replaced gradient " << i;
        EXPECT_EQ(g.abs().max().item<float>(), 0.0f) << "zero_grad left gradient " << i;
    }
    if (bucket_bytes >= (std::size_t(1) << 20)) {  // one bucket: the gradients lie end to end
        const auto params = net->parameters();
        for (std::size_t i = 1; i < params.size(); ++i)
            EXPECT_EQ(static_cast<const char*>(where[i]),
                      static_cast<const char*>(where[i - 1]) + params[i - 1].numel() * params[i - 1].element_size())
                << "gradient " << i;
    }
    double worst = 0;
    for (std::size_t i = 0; i < net->parameters().size(); ++i)
        worst = std::max(worst, (net->parameters()[i] - reference->parameters()[i]).abs().max().item<double>());
    std::printf("rank %d, %zu-byte buckets, %s: max |w - w(1 process, whole batch)| %.3g after %d steps\n", group.rank(),
                bucket_bytes, fused ? "FusedAdamW" : "Adam", worst, kSteps);
    EXPECT_LT(worst, 1e-6);
}

}  // namespace

TEST(DataParallelBuckets, GradientsStayBucketSlicesAndMatchOneProcess) {
    if (!DataParallel::available()) GTEST_SKIP() << "this build has no c10d (libgloo-dev)";
    const char* as_rank = std::getenv("QUINTET_TEST_RANK");
    const int rank = as_rank ? std::atoi(as_rank) : 0;
    test::RankProcess peer;
    DistributedEnv env;
    if (rank == 0) {
        env.master_addr = "127.0.0.1";
        env.master_port = free_loopback_port();
        env.world = env.local_world = 2;
        auto vars = test::rank_env(1, 2, env.master_port);
        vars["QUINTET_TEST_RANK"] = "1";
        const auto dir = test::fresh_test_path("distributed", "buckets");
        std::filesystem::create_directories(dir);
        // Rank 1: this binary again, this test only (start_quintet runs build/quintet; here the test binary).
        peer.out = dir / "rank1.out";
        peer.err = dir / "rank1.err";
        std::fflush(stdout);
        std::fflush(stderr);
        peer.pid = ::fork();
        if (peer.pid == 0) {
            for (const auto& [k, v] : vars) ::setenv(k.c_str(), v.c_str(), 1);
            if (!std::freopen(peer.out.c_str(), "w", stdout) || !std::freopen(peer.err.c_str(), "w", stderr)) std::_Exit(126);
            ::execl("/proc/self/exe", "test_distributed", "--gtest_filter=DataParallelBuckets.*", static_cast<char*>(nullptr));
            std::_Exit(127);
        }
    } else {
        env = distributed_env_from_process();
    }
    auto& group = DataParallel::current();
    group.join(env, std::chrono::seconds(60));
    const std::size_t default_bytes = group.bucket_bytes();
    check_scenario(group, default_bytes, true);  // one bucket
    check_scenario(group, 64, false);            // several (the first layer's weights make their own)
    group.set_bucket_bytes(default_bytes);
    group.leave();
    if (rank == 0) {
        const auto f = test::wait_for(peer, std::chrono::seconds(60));
        EXPECT_TRUE(f.exited && f.code == 0) << "rank 1 failed:\n" << read_file(peer.out) << read_file(peer.err);
    }
}
