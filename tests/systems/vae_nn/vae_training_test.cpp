#include <gtest/gtest.h>

#include <filesystem>

#include "support/tiny_store.hpp"
#include "systems/vae_nn/run_model.hpp"
#include "systems/vae_nn/run_info.hpp"
#include "systems/vae_nn/trainer.hpp"
#include "nn/batches.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {

fs::path tmp(const std::string& name) { return test::fresh_test_path("train", name); }

fs::path store_path() { return test::default_tiny_store(); }

VaeNnTrainConfig small_config(const fs::path& run) {
    auto c = test::tiny_train_config(run, 2);
    c.seed = 11;
    return c;
}

void expect_same_weights(torch::nn::Module& a, torch::nn::Module& b) {
    auto pb = b.named_parameters();
    for (const auto& item : a.named_parameters())
        EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
}

}  // namespace

TEST(VaeTraining, ElboImprovesOnRealWindows) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto store = CorpusStore::open(store_path());
    auto x = to_unit_float(window_tensor(store_windows(store, Split::Train, vae_window_spec())), torch::kCPU).select(1, 0);  // piano
    torch::manual_seed(3);
    ConvVae vae(8, Likelihood::Gaussian);
    torch::optim::Adam opt(vae->parameters(), torch::optim::AdamOptions(1e-3));
    auto evaluate = [&] {
        torch::NoGradGuard g;
        torch::manual_seed(5);  // the same posterior samples each time
        return vae->loss(x).loss.item<double>();
    };
    double before = evaluate();
    for (int step = 0; step < 30; ++step) {
        opt.zero_grad();
        vae->loss(x).loss.backward();
        opt.step();
    }
    double after = evaluate();
    EXPECT_LT(after, before * 0.9) << "before " << before << " after " << after;
}

TEST(VaeTraining, ModelSaveLoadRoundTrip) {
    auto dir = tmp("roundtrip");
    fs::create_directories(dir);
    torch::manual_seed(1);
    VaeNnModel a(4, Likelihood::Bernoulli), b(4, Likelihood::Bernoulli);
    save_model(dir / "m.pt", a);
    load_model(dir / "m.pt", b);
    expect_same_weights(*a, *b);
    a->eval();
    b->eval();
    auto x = torch::rand({2, 5, 32, 128});
    EXPECT_TRUE(torch::equal(a->encode_means(x), b->encode_means(x)));
    // another K or likelihood: a clear FormatError, not a crash or a silent reshape
    VaeNnModel k8(8, Likelihood::Bernoulli), gauss(4, Likelihood::Gaussian);
    EXPECT_THROW(load_model(dir / "m.pt", k8), FormatError);
    EXPECT_THROW(load_model(dir / "m.pt", gauss), FormatError);
    write_file_atomically(dir / "junk.pt", "not a torch archive");
    EXPECT_THROW(load_model(dir / "junk.pt", b), FormatError);
}

TEST(VaeTraining, TrainsBothStagesAndWritesTheRunDirectory) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto run = tmp("full");
    auto r = train_vae_nn(small_config(run));
    EXPECT_TRUE(r.finished);
    EXPECT_EQ(r.vae_epochs, 2);
    EXPECT_EQ(r.net_epochs, 2);
    for (const char* f : {"model.json", "config.json", "curve.csv", "model.pt", "last.pt"})
        EXPECT_TRUE(fs::exists(run / f)) << f;
#ifdef QUINTET_HAVE_IMAGES
    EXPECT_TRUE(fs::exists(run / "curve.png"));
#endif
    auto curve = read_file(run / "curve.csv");
    EXPECT_EQ(std::count(curve.begin(), curve.end(), '\n'), 1 + 4);
    auto info = read_run_info(run);
    EXPECT_EQ(info.latent, 4);
    // the default likelihood is Bernoulli (docs/vae.md: the original's Gaussian collapses on sparse rolls),
    // and the run records it where generation reads it back
    EXPECT_EQ(info.likelihood, "bernoulli");
    EXPECT_EQ(fs::canonical(info.corpus), fs::canonical(store_path()));
    auto config = read_file(run / "config.json");
    EXPECT_NE(config.find("\"windows\": 29"), std::string::npos) << config;
    EXPECT_NE(config.find("\"likelihood\": \"bernoulli\""), std::string::npos) << config;
    auto model = load_run_model(run);
    EXPECT_EQ(model->latent(), 4);
    EXPECT_EQ(model->vae(0)->likelihood(), Likelihood::Bernoulli);
    // a second run into the same directory without --resume is refused; another K too
    EXPECT_THROW(train_vae_nn(small_config(run)), UsageError);
    auto k8 = small_config(run);
    k8.latent = 8;
    k8.resume = true;
    EXPECT_THROW(train_vae_nn(k8), UsageError);
}

TEST(VaeTraining, ResumeEqualsUninterruptedTraining) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto straight = tmp("straight"), resumed = tmp("resumed");
    train_vae_nn(small_config(straight));
    // Interrupted after the first VAE epoch, then after the first net epoch, resumed each time.
    int calls = 0;
    auto stop_once = [&](const EpochRecord&) { return ++calls != 1; };
    auto c = small_config(resumed);
    auto r1 = train_vae_nn(c, stop_once);
    EXPECT_FALSE(r1.finished);
    EXPECT_EQ(r1.vae_epochs, 1);
    c.resume = true;
    calls = 0;
    auto stop_in_stage_2 = [&](const EpochRecord& e) { return !(e.stage == 2 && e.epoch == 1); };
    auto r2 = train_vae_nn(c, stop_in_stage_2);
    EXPECT_FALSE(r2.finished);
    EXPECT_EQ(r2.vae_epochs, 2);
    EXPECT_EQ(r2.net_epochs, 1);
    auto r3 = train_vae_nn(c);
    EXPECT_TRUE(r3.finished);
    auto a = load_run_model(straight), b = load_run_model(resumed);
    expect_same_weights(*a, *b);
    // the thresholds calibrated when stage 1 ended survive the later resumes
    ASSERT_TRUE(read_run_info(resumed).thresholds.has_value());
    EXPECT_EQ(*read_run_info(straight).thresholds, *read_run_info(resumed).thresholds);
    EXPECT_EQ(read_file(straight / "curve.csv").substr(0, 40), read_file(resumed / "curve.csv").substr(0, 40));
}

TEST(VaeTraining, ResidualNetsAreRecordedAndReloaded) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto run = tmp("residual");
    auto c = small_config(run);
    c.epochs = c.net_epochs = 1;
    c.latent_nets = "residual";
    train_vae_nn(c);
    EXPECT_EQ(read_run_info(run).latent_nets, "residual");
    EXPECT_TRUE(load_run_model(run)->residual_nets());
    c.latent_nets = "direct";  // resuming with the other kind of nets is refused
    c.resume = true;
    EXPECT_THROW(train_vae_nn(c), UsageError);
    auto unknown = small_config(tmp("lstm"));
    unknown.latent_nets = "lstm";
    EXPECT_THROW(train_vae_nn(unknown), UsageError);
}

TEST(VaeTraining, RejectsBadSettingsAndMissingCorpus) {
    auto c = small_config(tmp("bad"));
    c.batch = 0;
    EXPECT_THROW(train_vae_nn(c), UsageError);
    c = small_config(tmp("bad"));
    c.corpus = tmp("no-such.store");
    EXPECT_THROW(train_vae_nn(c), Error);
    c = small_config(tmp("bad"));
    c.likelihood = "poisson";
    EXPECT_THROW(train_vae_nn(c), UsageError);
}

TEST(RunFiles, AnotherModelKindIsAFormatError) {
    auto dir = tmp("other-kind");
    fs::create_directories(dir);
    write_file_atomically(dir / "model.json", "{\"model\": \"gan\", \"format\": 1}");
    EXPECT_THROW(read_run_info(dir), FormatError);
    EXPECT_THROW(read_run_info(tmp("missing")), UsageError);
    write_file_atomically(dir / "model.json", "{\"model\": \"vae-nn\", ");
    EXPECT_THROW(read_run_info(dir), FormatError);
}
