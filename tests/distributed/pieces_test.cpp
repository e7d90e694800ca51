// The torch-free pieces of data-parallel training: torchrun's environment, the command line of a --nproc
// rank, and how a global batch is shared out among ranks.
#include <gtest/gtest.h>

#include <map>

#include "nn/data_parallel.hpp"
#include "nn/distributed_env.hpp"
#include "util/error.hpp"
#include "util/local_ranks.hpp"

using namespace quintet;

namespace {

DistributedEnv parse(const std::map<std::string, std::string>& vars) {
    return parse_distributed_env([&](const char* name) -> const char* {
        const auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    });
}

std::string error_of(const std::map<std::string, std::string>& vars) {
    try {
        parse(vars);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(DistributedEnv, ReadsTorchrunVariables) {
    const auto e = parse({{"MASTER_ADDR", "10.0.0.5"}, {"MASTER_PORT", "29500"}, {"RANK", "5"}, {"WORLD_SIZE", "8"},
                          {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "4"}});
    EXPECT_EQ(e.master_addr, "10.0.0.5");
    EXPECT_EQ(e.master_port, 29500);
    EXPECT_EQ(e.rank, 5);
    EXPECT_EQ(e.world, 8);
    EXPECT_EQ(e.local_rank, 1);
    EXPECT_EQ(e.local_world, 4);
    // LOCAL_* are optional (a launcher that sets only the four essential ones).
    const auto plain = parse({{"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}, {"RANK", "0"}, {"WORLD_SIZE", "1"}});
    EXPECT_EQ(plain.local_world, 1);
}

TEST(DistributedEnv, MissingOrBadVariablesAreNamed) {
    EXPECT_NE(error_of({{"MASTER_PORT", "1"}, {"RANK", "0"}, {"WORLD_SIZE", "2"}}).find("MASTER_ADDR"), std::string::npos);
    EXPECT_NE(error_of({{"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}, {"WORLD_SIZE", "2"}}).find("RANK"), std::string::npos);
    EXPECT_NE(error_of({{"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}, {"RANK", "2"}, {"WORLD_SIZE", "2"}}).find("RANK=2"),
              std::string::npos);
    EXPECT_NE(error_of({{"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}, {"RANK", "0"}, {"WORLD_SIZE", "2"}}).find("MASTER_PORT"),
              std::string::npos);
    EXPECT_NE(error_of({{"MASTER_ADDR", "h"}, {"MASTER_PORT", "x"}, {"RANK", "0"}, {"WORLD_SIZE", "2"}}).find("MASTER_PORT"),
              std::string::npos);
}

TEST(LocalRanks, RankCommandLineDropsNprocAndAddsDistributed) {
    const std::vector<std::string> a{"quintet-nn", "train", "vae", "--nproc", "2", "--batch", "4"};
    EXPECT_EQ(rank_command_line(a),
              (std::vector<std::string>{"quintet-nn", "train", "vae", "--batch", "4", "--distributed"}));
    const std::vector<std::string> b{"q", "--nproc=3", "--distributed", "--quiet"};
    EXPECT_EQ(rank_command_line(b), (std::vector<std::string>{"q", "--quiet", "--distributed"}));
}

TEST(LocalRanks, FreePortIsUsable) {
    const int port = free_loopback_port();
    EXPECT_GT(port, 0);
    EXPECT_LT(port, 65536);
}

TEST(DataParallel, AWorldOfOneTakesWholeBatches) {
    auto& g = DataParallel::current();  // never joined in this process
    EXPECT_EQ(g.world(), 1);
    EXPECT_TRUE(g.writes());
    EXPECT_EQ(g.global_batches(17, 8), 3);
    const auto s = g.shard(16, 1);
    EXPECT_EQ(s.first, 16);
    EXPECT_EQ(s.count, 1);
    // No communication: the values come back as they were.
    EXPECT_EQ(g.sum({1.5, 2}), (std::vector<double>{1.5, 2}));
    EXPECT_EQ(g.from_rank0({3}), (std::vector<double>{3}));
}

TEST(DataParallel, ShardsPartitionEachGlobalBatch) {
    // Hand-computed: 7 items over 2 ranks -> 4 + 3; 1 item over 2 ranks -> 1 + 0; 10 over 4 -> 3 3 2 2.
    auto s = DataParallel::shard_of(0, 2, 14, 7);
    EXPECT_EQ(s.first, 14);
    EXPECT_EQ(s.count, 4);
    s = DataParallel::shard_of(1, 2, 14, 7);
    EXPECT_EQ(s.first, 18);
    EXPECT_EQ(s.count, 3);
    EXPECT_EQ(DataParallel::shard_of(1, 2, 0, 1).count, 0);
    const std::int64_t expected[] = {3, 3, 2, 2};
    for (int r = 0; r < 4; ++r) EXPECT_EQ(DataParallel::shard_of(r, 4, 0, 10).count, expected[r]);
    // Every item of every global batch is taken exactly once, in order.
    for (int world = 1; world <= 5; ++world)
        for (std::int64_t count = 0; count <= 13; ++count) {
            std::int64_t next = 100;
            for (int r = 0; r < world; ++r) {
                const auto part = DataParallel::shard_of(r, world, 100, count);
                EXPECT_EQ(part.first, next);
                next += part.count;
            }
            EXPECT_EQ(next, 100 + count);
        }
}
