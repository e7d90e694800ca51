// The CNN and the Transformer-XL data-parallel (their own file: the training test is long enough).
// Transformer-XL with --dropout 0 is deterministic: 2 ranks of B streams reach 1 process of 2B streams, and a
// 2-rank run resumed in 1 process reaches a 1-process run resumed alike. The CNN is not deterministic across
// rank counts by design (batch norm normalises each rank's own pairs, dropout masks are each rank's own), so
// its test checks that both ranks end with identical weights and that they differ from 1 process of B.
#include <signal.h>

#include <cstdlib>
#include <thread>

#include "distributed/training_support.hpp"
#include "runs/curve.hpp"
#include "support/tiny_store.hpp"
#include "systems/cnn/cnn_nets.hpp"
#include "systems/cnn/run_model.hpp"
#include "systems/gan/gan_fixture.hpp"
#include "systems/transformer/run_model.hpp"
#include "util/local_ranks.hpp"

namespace fs = std::filesystem;
using namespace quintet;
using namespace quintet::test;

namespace {

std::vector<torch::Tensor> transformer_weights(const fs::path& run) { return load_transformer_run(run, torch::kCPU).model->parameters(); }

std::vector<torch::Tensor> cnn_weights(const fs::path& run) { return load_cnn_run(run, torch::kCPU)->parameters(); }

// A tiny Transformer-XL without dropout on the synthetic 16th-note store (4 train songs).
std::string transformer_args(const fs::path& run, int batch, int epochs) {
    return "transformer --corpus " + test::gan_store().string() + " --out " + run.string() +
           " --layers 1 --d-model 16 --heads 2 --d-inner 32 --mem-len 16 --bptt 8 --dropout 0 --lr 0.003 --batch " +
           std::to_string(batch) + " --epochs " + std::to_string(epochs);
}

// The number rank 0's progress line "replicas: largest weight difference from rank 0 over N ranks: X" reports.
double reported_replica_difference(const std::string& err) {
    const std::string key = "ranks: ";
    const auto line = err.find("replicas: largest weight difference");
    if (line == std::string::npos) return -1;
    const auto at = err.find(key, line);
    return at == std::string::npos ? -1 : std::strtod(err.c_str() + at + key.size(), nullptr);
}

}  // namespace

TEST(DistributedTraining, TransformerTwoRanksOfBMatchOneProcessOf2B) {
    REQUIRE_C10D();
    const fs::path dir = test::fresh_test_path("distributed", "transformer");
    fs::create_directories(dir);
    train_quietly(transformer_args(dir / "two", 2, 2) + " --nproc 2", dir, "two");
    train_quietly(transformer_args(dir / "one", 4, 2), dir, "one");
    train_quietly(transformer_args(dir / "small", 2, 2), dir, "small");
    const double same = max_difference(transformer_weights(dir / "two"), transformer_weights(dir / "one"));
    const double other = max_difference(transformer_weights(dir / "two"), transformer_weights(dir / "small"));
    std::printf("transformer: 2x2 vs 1x4 max |dw| %.3g; vs 1x2 %.3g\n", same, other);
    EXPECT_LT(same, kTolerance);
    EXPECT_GT(other, 100 * kTolerance);
    for (const auto& entry : fs::directory_iterator(dir / "two")) EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
}

TEST(DistributedTraining, TransformerResumesTwoRanksInOneProcess) {
    // The one-cycle schedule spans the planned epochs, so the reference is a 1-process run that stops and
    // resumes at the same epoch: 2 ranks of B for epoch 1, then 1 process of 2B, must reach it.
    REQUIRE_C10D();
    const fs::path dir = test::fresh_test_path("distributed", "transformer-resume");
    fs::create_directories(dir);
    train_quietly(transformer_args(dir / "one-one", 4, 1), dir, "a1");
    train_quietly(transformer_args(dir / "one-one", 4, 2) + " --resume", dir, "a2");
    train_quietly(transformer_args(dir / "two-one", 2, 1) + " --nproc 2", dir, "b1");
    train_quietly(transformer_args(dir / "two-one", 4, 2) + " --resume", dir, "b2");
    const double same = max_difference(transformer_weights(dir / "two-one"), transformer_weights(dir / "one-one"));
    std::printf("transformer resumed 2 -> 1 vs 1 -> 1: max |dw| %.3g\n", same);
    EXPECT_LT(same, kTolerance);
    CurveFile curve(dir / "two-one" / "curve.csv", {"train_nll", "train_perplexity", "valid_nll", "valid_perplexity"});
    curve.load_until(1, 2);
    EXPECT_EQ(curve.rows().size(), 2u);
}

TEST(DistributedTraining, CnnTwoRanksKeepIdenticalReplicas) {
    REQUIRE_C10D();
    const fs::path dir = test::fresh_test_path("distributed", "cnn");
    fs::create_directories(dir);
    const auto args = [&](const std::string& run, int batch, int epochs) {
        return "cnn --corpus " + test::default_tiny_store().string() + " --out " + (dir / run).string() +
               " --max-windows 24 --seed 5 --batch " + std::to_string(batch) + " --epochs " + std::to_string(epochs);
    };
    // Not quiet: rank 0 reports how far rank 1's weights are from its own after training.
    const auto p = test::start_quintet("train " + args("two", 4, 2) + " --nproc 2", {{"QUINTET_THREADS", "1"}}, dir, "two");
    const auto f = test::wait_for(p, std::chrono::seconds(300));
    const std::string err = read_file(p.err);
    ASSERT_TRUE(f.exited && f.code == 0) << err;
    const double replicas = reported_replica_difference(err);
    train_quietly(args("small", 4, 2), dir, "small");
    const double other = max_difference(cnn_weights(dir / "two"), cnn_weights(dir / "small"));
    std::printf("cnn: rank 1 vs rank 0 max |dw| %.3g; 2x4 vs 1x4 %.3g\n", replicas, other);
    EXPECT_GE(replicas, 0.0) << "no replica line in:\n" << err;
    EXPECT_LT(replicas, kTolerance);
    EXPECT_GT(other, 100 * kTolerance);
}

TEST(DistributedTraining, CnnResumesTwoRanksInOneProcess) {
    // A CNN run ends its stage when its epochs are done (a finished run is not extended), so the 2-rank run is
    // cut short the way a lost rank cuts it: rank 1 is killed once a checkpoint exists, rank 0 stops with one
    // line, and one process resumes the run for one more epoch.
    using namespace std::chrono_literals;
    REQUIRE_C10D();
    const fs::path dir = test::fresh_test_path("distributed", "cnn-resume");
    fs::create_directories(dir);
    const fs::path run = dir / "run";
    const auto args = [&](int epochs) {
        return "train cnn --corpus " + test::default_tiny_store().string() + " --out " + run.string() +
               " --max-windows 24 --seed 5 --batch 4 --quiet --epochs " + std::to_string(epochs);
    };
    const int port = free_loopback_port();
    const auto r0 = test::start_quintet(args(1000) + " --distributed --dist-timeout 20", test::rank_env(0, 2, port), dir, "rank0");
    const auto r1 = test::start_quintet(args(1000) + " --distributed --dist-timeout 20", test::rank_env(1, 2, port), dir, "rank1");
    const auto t0 = std::chrono::steady_clock::now();
    while (!fs::exists(run / "last.pt") && std::chrono::steady_clock::now() - t0 < 120s) std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(fs::exists(run / "last.pt")) << read_file(r0.err) << read_file(r1.err);
    ::kill(r1.pid, SIGKILL);
    test::wait_for(r1, 10s);
    const auto f = test::wait_for(r0, 30s);
    ASSERT_TRUE(f.exited);
    EXPECT_NE(f.code, 0);
    // Rank 0 writes its curve row before the epoch's last collective, so the curve holds every checkpointed epoch.
    const auto train_losses = [&] {
        std::vector<std::string> columns;
        for (const char* split : {"train_", "valid_"})
            for (const char* name : kCnnInstrumentName) columns.push_back(std::string(split) + name);
        CurveFile curve(run / "curve.csv", columns);
        curve.load_until(1, 1000000);
        std::vector<double> out;
        for (const auto& r : curve.rows()) out.push_back(r.train_loss);
        return out;
    };
    const auto before = train_losses();
    ASSERT_GE(before.size(), 1u);
    const auto p = test::start_quintet(args(int(before.size()) + 1) + " --resume", {{"QUINTET_THREADS", "1"}}, dir, "resume");
    const auto g = test::wait_for(p, 300s);
    ASSERT_TRUE(g.exited && g.code == 0) << read_file(p.err);
    const auto after = train_losses();
    ASSERT_EQ(after.size(), before.size() + 1);
    for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(after[i], before[i]) << "epoch " << i + 1;
    const auto gen = test::start_quintet("generate " + run.string() + " -o " + (dir / "song.mid").string() + " --bars 4", {}, dir, "generate");
    const auto gf = test::wait_for(gen, 60s);
    EXPECT_TRUE(gf.exited && gf.code == 0) << read_file(gen.err);
}
