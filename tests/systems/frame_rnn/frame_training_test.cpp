// Frame-RNN training on real data (the JSB chorales): the loss falls, model.pt reproduces the best valid NLL,
// the System's split likelihood counts every test step, --resume refuses another network.
#include <gtest/gtest.h>

#include <cmath>

#include "corpus/store.hpp"
#include "frame_runs.hpp"
#include "runs/curve.hpp"
#include "systems/frame_rnn/model.hpp"
#include "systems/registry.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {
const fs::path& jsb_run() {
    static const fs::path run = [] {
        const fs::path r = test::fresh_test_path("frame-rnn", "jsb");
        train_frame_rnn(test::jsb_config(r, 2));
        return r;
    }();
    return run;
}
std::vector<EpochRecord> curve_of(const fs::path& run) {
    CurveFile curve(run / "curve.csv", {"train_nll", "valid_nll"});
    curve.load_until(1, 1000);
    return curve.rows();
}
}  // namespace

TEST(FrameRnnTraining, LossFallsOnTheChorales) {
    QUINTET_REQUIRE_SHARED_DATA("jsb-chorales");
    const auto rows = curve_of(jsb_run());
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_LT(rows[1].train_loss, rows[0].train_loss);
    EXPECT_LT(rows[1].valid_loss, rows[0].valid_loss);
    // Below the NLL of p = 0.5 everywhere (88 ln 2 = 61 nats per step) by far.
    EXPECT_LT(rows[1].valid_loss, 0.5 * 88 * std::log(2.0));
}

TEST(FrameRnnTraining, ModelPtReproducesTheBestValidNll) {
    QUINTET_REQUIRE_SHARED_DATA("jsb-chorales");
    double best = 1e300;
    for (const auto& r : curve_of(jsb_run())) best = std::min(best, r.valid_loss);
    const FrameRnnRun run = read_frame_rnn_run(jsb_run());
    EXPECT_EQ(run.spec.pitches, 88);
    EXPECT_EQ(run.spec.lowest_pitch, 21);
    EXPECT_EQ(run.spec.resolution, 1);  // the store's
    FrameRnn model = load_frame_rnn(jsb_run(), run, torch::kCPU);
    const auto store = CorpusStore::open(test::jsb_store());
    EXPECT_NEAR(sequence_nll(model, store_frames(store, Split::Valid, run.spec), 4 * 32, torch::kCPU).mean(), best, 1e-6 * best);
}

TEST(FrameRnnTraining, SplitLikelihoodCountsEveryTestStep) {
    QUINTET_REQUIRE_SHARED_DATA("jsb-chorales");
    const auto nll = make_system("frame-rnn")->split_likelihood(jsb_run(), test::jsb_store(), "test", "cpu");
    ASSERT_TRUE(nll.has_value());
    EXPECT_EQ(nll->tokens, 4725);  // the test split's steps
    EXPECT_GT(nll->nll_per_token, 0);
    EXPECT_LT(nll->nll_per_token, 0.5 * 88 * std::log(2.0));
}

TEST(FrameRnnTraining, ResumeContinuesAndRefusesAnotherNetwork) {
    QUINTET_REQUIRE_SHARED_DATA("jsb-chorales");
    const fs::path run = test::fresh_test_path("frame-rnn", "resume");
    train_frame_rnn(test::jsb_config(run, 1));
    auto again = test::jsb_config(run, 2);
    EXPECT_THROW(train_frame_rnn(again), UsageError);  // no --resume
    again.resume = true;
    again.hidden = 32;
    EXPECT_THROW(train_frame_rnn(again), UsageError);  // another network
    again.hidden = 24;
    const auto r = train_frame_rnn(again);
    EXPECT_EQ(r.epochs, 2);
    EXPECT_TRUE(r.finished);
    // Uninterrupted two epochs give the same curve.
    const fs::path straight = test::fresh_test_path("frame-rnn", "straight");
    train_frame_rnn(test::jsb_config(straight, 2));
    const auto a = curve_of(run), b = curve_of(straight);
    ASSERT_EQ(a.size(), 2u);
    ASSERT_EQ(b.size(), 2u);
    EXPECT_NEAR(a[1].valid_loss, b[1].valid_loss, 1e-6 * b[1].valid_loss);
}
