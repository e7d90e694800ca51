// Data-parallel training end to end on loopback (processes of build/quintet): 2 ranks with batch B reach the
// weights of 1 process with batch 2B; resume across process counts; a killed rank stops the other with one
// line within the timeout; a port in use is one line. Skipped when the build has no c10d.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cmath>

#include "distributed/training_support.hpp"
#include "nn/data_parallel.hpp"
#include "runs/curve.hpp"
#include "support/shared_data.hpp"
#include "support/tiny_store.hpp"
#include "systems/frame_rnn/model.hpp"
#include "systems/gan/gan_fixture.hpp"
#include "systems/gan/trainer.hpp"
#include "systems/vae_nn/run_model.hpp"
#include "util/local_ranks.hpp"

namespace fs = std::filesystem;
using namespace quintet;
using namespace std::chrono_literals;
using namespace quintet::test;

namespace {

std::vector<torch::Tensor> frame_rnn_weights(const fs::path& run) {
    const auto info = read_frame_rnn_run(run);
    return load_frame_rnn(run, info, torch::kCPU)->parameters();
}

// The four conditional latent nets (the melody net has dropout, whose masks differ by rank by design).
std::vector<torch::Tensor> vae_nn_conditional_weights(const fs::path& run) {
    VaeNnModel model(4, Likelihood::Bernoulli);
    load_model(run / "model.pt", model);
    std::vector<torch::Tensor> out;
    for (int i = 1; i < kVaeInstruments; ++i)
        for (const auto& p : model->conditional(i)->parameters()) out.push_back(p);
    return out;
}

std::string frame_args(const fs::path& run, int batch, int epochs) {
    return "frame-rnn --corpus " + test::default_tiny_store().string() + " --out " + run.string() +
           " --hidden 16 --dropout 0 --lr 0.01 --batch " + std::to_string(batch) + " --epochs " + std::to_string(epochs);
}


}  // namespace

TEST(DistributedTraining, FrameRnnTwoRanksOfBMatchOneProcessOf2B) {
    REQUIRE_C10D();
    const fs::path dir = test::fresh_test_path("distributed", "frame");
    fs::create_directories(dir);
    train_quietly(frame_args(dir / "two", 4, 2) + " --nproc 2", dir, "two");
    train_quietly(frame_args(dir / "one", 8, 2), dir, "one");
    train_quietly(frame_args(dir / "small", 4, 2), dir, "small");
    const double same = max_difference(frame_rnn_weights(dir / "two"), frame_rnn_weights(dir / "one"));
    const double other = max_difference(frame_rnn_weights(dir / "two"), frame_rnn_weights(dir / "small"));
    std::printf("frame-rnn: 2x4 vs 1x8 max |dw| %.3g; vs 1x4 %.3g\n", same, other);
    EXPECT_LT(same, kTolerance);
    EXPECT_GT(other, 100 * kTolerance);  // the comparison can tell another batch size
    // Rank 0 alone wrote the curve: one row per epoch.
    CurveFile curve(dir / "two" / "curve.csv", {"train_nll", "valid_nll"});
    curve.load_until(1, 2);
    EXPECT_EQ(curve.rows().size(), 2u);
    for (const auto& entry : fs::directory_iterator(dir / "two")) EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
}

TEST(DistributedTraining, VaeNnLatentNetsTwoRanksOfBMatchOneProcessOf2B) {
    // Stage 2's conditional nets are deterministic (MSE on the frozen encoder means, no dropout), so they must
    // match to rounding; stage 1 (posterior noise) and the melody net (dropout) draw per rank, by design.
    REQUIRE_C10D();
    const fs::path dir = test::fresh_test_path("distributed", "vae");
    fs::create_directories(dir);
    const std::string common = "vae --corpus " + test::default_tiny_store().string() + " --latent 4 --epochs 0 --net-epochs 3";
    train_quietly(common + " --out " + (dir / "two").string() + " --batch 4 --nproc 2", dir, "two");
    train_quietly(common + " --out " + (dir / "one").string() + " --batch 8", dir, "one");
    train_quietly(common + " --out " + (dir / "small").string() + " --batch 4", dir, "small");
    const double same = max_difference(vae_nn_conditional_weights(dir / "two"), vae_nn_conditional_weights(dir / "one"));
    const double other = max_difference(vae_nn_conditional_weights(dir / "two"), vae_nn_conditional_weights(dir / "small"));
    std::printf("vae-nn stage 2: 2x4 vs 1x8 max |dw| %.3g; vs 1x4 %.3g\n", same, other);
    EXPECT_LT(same, kTolerance);
    EXPECT_GT(other, 100 * kTolerance);
}

TEST(DistributedTraining, GanTwoRanksTrainBothUpdatesAndGenerate) {
    // G's noise is each rank's own, so no 1-process run matches it; this checks the two all-reduced updates run
    // to the end, rank 0 alone writes, and the run generates like any other.
    REQUIRE_C10D();
    const fs::path dir = test::fresh_test_path("distributed", "gan");
    fs::create_directories(dir);
    const fs::path run = dir / "run";
    train_quietly("gan --corpus " + test::gan_store().string() + " --out " + run.string() + " --batch 2 --epochs 2 --seed 7 --nproc 2",
          dir, "gan");
    CurveFile curve(run / "curve.csv", gan_curve_columns());  // the GAN trainer's own columns
    curve.load_until(1, 2);
    ASSERT_EQ(curve.rows().size(), 2u);
    for (const auto& r : curve.rows()) EXPECT_TRUE(std::isfinite(r.train_loss));
    const auto p = test::start_quintet("generate " + run.string() + " -o " + (dir / "song.mid").string() + " --bars 4", {}, dir, "generate");
    const auto f = test::wait_for(p, 60s);
    EXPECT_TRUE(f.exited && f.code == 0) << read_file(p.err);
    EXPECT_GT(fs::file_size(dir / "song.mid"), 20u);
}

TEST(DistributedTraining, ResumeAcrossProcessCounts) {
    // 2 ranks then 1 process, and 1 process then 2 ranks, both reach the uninterrupted 1-process run.
    REQUIRE_C10D();
    const fs::path dir = test::fresh_test_path("distributed", "resume");
    fs::create_directories(dir);
    train_quietly(frame_args(dir / "straight", 8, 3), dir, "straight");
    train_quietly(frame_args(dir / "two-one", 4, 1) + " --nproc 2", dir, "a1");
    train_quietly(frame_args(dir / "two-one", 8, 3) + " --resume", dir, "a2");
    train_quietly(frame_args(dir / "one-two", 8, 1), dir, "b1");
    train_quietly(frame_args(dir / "one-two", 4, 3) + " --resume --nproc 2", dir, "b2");
    const auto straight = frame_rnn_weights(dir / "straight");
    EXPECT_LT(max_difference(frame_rnn_weights(dir / "two-one"), straight), kTolerance);
    EXPECT_LT(max_difference(frame_rnn_weights(dir / "one-two"), straight), kTolerance);
    CurveFile curve(dir / "one-two" / "curve.csv", {"train_nll", "valid_nll"});
    curve.load_until(1, 3);
    EXPECT_EQ(curve.rows().size(), 3u);
}

TEST(DistributedTraining, KilledRankStopsTheOtherWithOneLine) {
    REQUIRE_C10D();
    const fs::path dir = test::fresh_test_path("distributed", "killed");
    fs::create_directories(dir);
    const int port = free_loopback_port();
    const std::string args = "train vae --corpus " + test::default_tiny_store().string() + " --out " + (dir / "run").string() +
                             " --latent 4 --epochs 1000 --batch 4 --quiet --distributed --dist-timeout 20";
    const auto r0 = test::start_quintet(args, test::rank_env(0, 2, port), dir, "rank0");
    const auto r1 = test::start_quintet(args, test::rank_env(1, 2, port), dir, "rank1");
    // Once a checkpoint exists both ranks are in the epoch loop.
    const auto t0 = std::chrono::steady_clock::now();
    while (!fs::exists(dir / "run" / "last.pt") && std::chrono::steady_clock::now() - t0 < 120s)
        std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(fs::exists(dir / "run" / "last.pt")) << read_file(r0.err) << read_file(r1.err);
    ::kill(r1.pid, SIGKILL);
    test::wait_for(r1, 10s);
    const auto f = test::wait_for(r0, 30s);
    ASSERT_TRUE(f.exited) << "rank 0 still running 30 s after its peer was killed";
    EXPECT_NE(f.code, 0);
    EXPECT_LT(f.seconds, 20.0 + 5.0);  // within --dist-timeout (a lost TCP peer is usually seen at once)
    const std::string err = read_file(r0.err);
    EXPECT_EQ(count_lines(err), 1u) << err;
    EXPECT_NE(err.find("distributed"), std::string::npos) << err;
    std::printf("rank 0 stopped %.2f s after rank 1 was killed: %s", f.seconds, err.c_str());
    // Nothing half-written: no temporary files, and the last checkpoint resumes in one process.
    for (const auto& entry : fs::directory_iterator(dir / "run")) EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
    const auto resumed = test::start_quintet("train vae --corpus " + test::default_tiny_store().string() + " --out " +
                                                 (dir / "run").string() + " --latent 4 --epochs 1 --net-epochs 1 --batch 8 --resume --quiet",
                                             {{"QUINTET_THREADS", "1"}}, dir, "resume");
    const auto g = test::wait_for(resumed, 120s);
    EXPECT_TRUE(g.exited && g.code == 0) << read_file(resumed.err);
}

TEST(DistributedTraining, PortInUseIsOneLine) {
    REQUIRE_C10D();
    const fs::path dir = test::fresh_test_path("distributed", "port");
    fs::create_directories(dir);
    // Hold a listening socket on a port, then ask rank 0 to serve the store there.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(fd, 1), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    const int port = ntohs(addr.sin_port);
    const auto p = test::start_quintet("train vae --corpus " + test::default_tiny_store().string() + " --out " +
                                           (dir / "run").string() + " --epochs 1 --quiet --distributed --dist-timeout 10",
                                       test::rank_env(0, 2, port), dir, "rank0");
    const auto f = test::wait_for(p, 30s);
    ::close(fd);
    ASSERT_TRUE(f.exited);
    EXPECT_NE(f.code, 0);
    const std::string err = read_file(p.err);
    EXPECT_EQ(count_lines(err), 1u) << err;
    EXPECT_NE(err.find(std::to_string(port)), std::string::npos) << err;
    std::printf("port in use, %.2f s: %s", f.seconds, err.c_str());
}

TEST(DistributedTraining, UnreachableMasterIsOneLineWithinTheTimeout) {
    REQUIRE_C10D();
    const fs::path dir = test::fresh_test_path("distributed", "unreachable");
    fs::create_directories(dir);
    // Rank 1 of a job whose rank 0 never comes: nothing listens on the port.
    const auto p = test::start_quintet("train vae --corpus " + test::default_tiny_store().string() + " --out " +
                                           (dir / "run").string() + " --epochs 1 --quiet --distributed --dist-timeout 3",
                                       test::rank_env(1, 2, free_loopback_port()), dir, "rank1");
    const auto f = test::wait_for(p, 30s);
    ASSERT_TRUE(f.exited);
    EXPECT_NE(f.code, 0);
    EXPECT_LT(f.seconds, 15.0);
    const std::string err = read_file(p.err);
    EXPECT_EQ(count_lines(err), 1u) << err;
    EXPECT_NE(err.find("cannot reach the master"), std::string::npos) << err;
}
