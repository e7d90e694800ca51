#include <gtest/gtest.h>

#include "nn/batches.hpp"

#include <filesystem>

#include "support/tiny_store.hpp"
#include "systems/vae_nn/run_model.hpp"
#include "systems/vae_nn/run_info.hpp"
#include "systems/vae_nn/threshold_calibration.hpp"
#include "systems/vae_nn/trainer.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {

fs::path tmp(const std::string& name) { return test::fresh_test_path("calibration", name); }

fs::path store_path() { return test::default_tiny_store(); }

// Precision/recall F1 of `y >= t` against the notes of x, computed directly.
double direct_f1(const torch::Tensor& y, const torch::Tensor& x, double t) {
    auto pred = y >= t, truth = x > 0;
    double tp = (pred & truth).sum().item<double>(), fp = (pred & ~truth).sum().item<double>();
    double fn = (~pred & truth).sum().item<double>();
    return tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0.0;
}

}  // namespace

TEST(ThresholdSweep, BestThresholdByHand) {
    // 10 note cells. At threshold bin 1 every cell is on: 10 notes + 90 silent; at bin 50 (0.25): 8 notes + 2
    // silent -> F1 = 16/20 = 0.8; at bin 120 (0.6): 3 notes, 0 silent -> F1 = 6/13; best is 0.25.
    ThresholdSweep s;
    s.positives = 10;
    for (int k = 0; k < ThresholdSweep::kBins; ++k) {
        s.true_positive[k] = k <= 1 ? 10 : k <= 50 ? 8 : k <= 120 ? 3 : 0;
        s.false_positive[k] = k <= 1 ? 90 : k <= 50 ? 2 : 0;
    }
    EXPECT_DOUBLE_EQ(s.f1(50), 0.8);
    EXPECT_DOUBLE_EQ(s.f1(120), 6.0 / 13.0);
    EXPECT_DOUBLE_EQ(s.best_threshold(0.3), 0.01);  // the lowest threshold of the best F1 (bins 2..50 tie)
    ThresholdSweep none;
    EXPECT_DOUBLE_EQ(none.best_threshold(0.3), 0.3);  // no notes at all: the fallback
}

TEST(ThresholdSweep, CountsEqualDirectThresholding) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto store = CorpusStore::open(store_path());
    auto data = store_windows(store, Split::Train, vae_window_spec());
    torch::manual_seed(2);
    VaeNnModel model(4, Likelihood::Bernoulli);
    auto sweeps = sweep_thresholds(model, data, torch::kCPU, 7);  // batches of 7: sums across batches
    torch::NoGradGuard g;
    auto x = to_unit_float(window_tensor(data), torch::kCPU);
    for (int i = 0; i < kVaeInstruments; ++i) {
        auto xi = x.select(1, i);
        auto y = model->vae(i)->reconstruct(model->vae(i)->means(xi));
        EXPECT_EQ(sweeps[i].positives, (xi > 0).sum().item<double>());
        for (int k : {1, 37, 99, 100, 101, 150}) {
            double t = double(k) / ThresholdSweep::kBins;
            EXPECT_NEAR(sweeps[i].f1(k), direct_f1(y, xi, t), 1e-9) << "instrument " << i << " threshold " << t;
        }
    }
}

TEST(ThresholdCalibration, TrainingStoresThresholdsInModelJson) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto run = tmp("run");
    train_vae_nn(test::tiny_train_config(run, 1));
    auto info = read_run_info(run);
    ASSERT_TRUE(info.thresholds.has_value());
    // the stored thresholds are the best-F1 ones on the valid split (train where valid has no notes)
    auto model = load_run_model(run);
    auto store = CorpusStore::open(store_path());
    auto expected = calibrate_thresholds(model, store_windows(store, Split::Valid, vae_window_spec()), store_windows(store, Split::Train, vae_window_spec()),
                                         torch::kCPU, 32);  // the trainer's batch * 4
    for (int i = 0; i < kVaeInstruments; ++i) EXPECT_NEAR((*info.thresholds)[i], expected[i], 1e-9) << i;
}

TEST(RunFiles, ThresholdsAndLatentNetsRoundTripAndBadValuesAreFormatErrors) {
    auto run = tmp("bad");
    fs::create_directories(run);
    VaeNnRunInfo info;
    info.thresholds = std::array<double, 5>{0.1, 0.2, 0.3, 0.4, 0.5};
    info.latent_nets = "residual";
    write_run_info(run, info);
    EXPECT_EQ(*read_run_info(run).thresholds, *info.thresholds);
    EXPECT_EQ(read_run_info(run).latent_nets, "residual");
    auto text = read_file(run / "model.json");
    text.replace(text.find("0.4"), 3, "1.7");
    write_file_atomically(run / "model.json", text);
    EXPECT_THROW(read_run_info(run), FormatError);
    info.latent_nets = "recurrent";
    write_run_info(run, info);
    EXPECT_THROW(read_run_info(run), FormatError);
}

TEST(RunFiles, TheCorpusPriorRoundTripsAndBadValuesAreFormatErrors) {
    auto run = tmp("prior");
    fs::create_directories(run);
    VaeNnRunInfo info;
    write_run_info(run, info);
    EXPECT_FALSE(read_run_info(run).prior.has_value());  // a run trained before the prior existed
    SongPrior prior;
    prior.plays = {true, false, true, true, false};
    prior.polyphony = {8, 128, 4, 10, 6};
    prior.repeat[0] = {0.05, 0.0625, 0.5, 1.0};
    prior.repeat[4] = {0.25, 0.125, 0.0, 0.75};
    info.prior = prior;
    write_run_info(run, info);
    const auto back = read_run_info(run).prior;
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->plays, prior.plays);
    EXPECT_EQ(back->polyphony, prior.polyphony);
    EXPECT_EQ(back->repeat, prior.repeat);
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"\"plays_guitar\": false", "\"plays_guitar\": 0"},
             {"\"polyphony_bass\": 4", "\"polyphony_bass\": 0"},
             {"\"repeat_drums_lag4\": 0.75", "\"repeat_drums_lag4\": 1.5"}}) {
        write_run_info(run, info);
        auto text = read_file(run / "model.json");
        ASSERT_NE(text.find(from), std::string::npos) << from << "\n" << text;
        text.replace(text.find(from), from.size(), to);
        write_file_atomically(run / "model.json", text);
        EXPECT_THROW(read_run_info(run), FormatError) << to;
    }
}
