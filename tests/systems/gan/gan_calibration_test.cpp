// Generation's calibrated thresholds: the corpus density by hand, the quantile threshold by hand, the file a
// run writes, and that a default song has notes at about the corpus's density.
#include <gtest/gtest.h>

#include "gan_fixture.hpp"
#include "systems/gan/calibration.hpp"
#include "systems/gan/generator.hpp"
#include "systems/gan/trainer.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

TEST(GanCalibration, ChannelDensitiesByHand) {
    WindowSet w;
    w.spec.steps = 2;
    w.spec.pitches = 3;
    w.spec.tracks = {0, 1, 2, 3, 4};
    w.song = {0, 0};
    w.index = {0, 1};
    w.cells.assign(2 * 5 * 2 * 3, 0);
    // Window 0: channel 0 has 3 of its 6 cells on (one with velocity 1), channel 4 one; window 1: channel 0 one.
    w.window(0)[0] = 100, w.window(0)[1] = 1, w.window(0)[5] = 64;
    w.window(0)[4 * 6 + 2] = 9;
    w.window(1)[3] = 127;
    const auto d = channel_densities(w);
    EXPECT_DOUBLE_EQ(d[0], 4.0 / 12);
    EXPECT_DOUBLE_EQ(d[1], 0.0);
    EXPECT_DOUBLE_EQ(d[4], 1.0 / 12);
}

TEST(GanCalibration, ThresholdIsTheDensityQuantilePerChannel) {
    // Channel c holds the values 0.1 .. 0.8 (8 cells over 2 samples of 1 x 4), scaled by (c + 1) / 5.
    auto base = torch::arange(1, 9, torch::kFloat).div(10).view({2, 1, 1, 4});
    std::vector<torch::Tensor> channels;
    for (int c = 0; c < 5; ++c) channels.push_back(base * float(c + 1) / 5);
    const auto p = torch::cat(channels, 1);  // [2, 5, 1, 4]
    const GanChannelValues density{0.25, 0.5, 0.0, 1.0, 0.3};
    const auto t = density_thresholds(p, density);
    // 0.25 of 8 cells = 2: the second largest of channel 0 (0.7 / 5); 0.5 -> 4th largest of 0.8 .. 0.1 x 2/5.
    EXPECT_FLOAT_EQ(float(t[0]), 0.7f / 5);
    EXPECT_FLOAT_EQ(float(t[1]), 0.5f * 2 / 5);
    EXPECT_EQ(t[2], kGanSilentThreshold);  // no notes in the corpus: silent
    EXPECT_FLOAT_EQ(float(t[3]), 0.1f * 4 / 5);  // every cell
    EXPECT_FLOAT_EQ(float(t[4]), 0.7f);           // floor(0.3 x 8) = 2 cells
    // The cells at or above each threshold are exactly the density's share (ties aside).
    for (int c = 0; c < 5; ++c)
        EXPECT_EQ(p.select(1, c).ge(t[std::size_t(c)]).sum().item<int>(), int(density[std::size_t(c)] * 8)) << c;
    // Cells tied with the k-th sound with it: a saturated G (every cell at 1) gets notes, not a silent channel.
    const auto flat = torch::ones({1, 5, 1, 4});
    EXPECT_EQ(flat.select(1, 0).ge(density_thresholds(flat, {0.5, 0.5, 0.5, 0.5, 0.5})[0]).sum().item<int>(), 4);
}

TEST(GanCalibration, TrainingWritesThemAndGenerationUsesThem) {
    auto run = test::gan_tmp("calibrated");
    train_gan(test::quick_gan(run, 1));
    const auto c = read_gan_calibration(run);
    ASSERT_TRUE(c.has_value());
    // The fixture's valid song: per channel a 2-step note on each of its 32 beats, in 2 windows of 64 x 72.
    for (double d : c->density) EXPECT_NEAR(d, 64.0 / (2 * 64 * 72), 1e-9);  // JSON keeps 10 digits
    GanSongMaker maker(run);
    GanGenerateOptions o;
    // Recomputed on load from the densities and the run's fixed noise: the trainer's values up to float
    // rounding (the same G and noise through another process's kernels).
    for (std::size_t i = 0; i < 5; ++i) EXPECT_NEAR(maker.thresholds(o)[i], c->threshold[i], 1e-4) << i;
    o.threshold = 0.7;
    for (double t : maker.thresholds(o)) EXPECT_EQ(t, 0.7);
    // A default song of 8 samples: its notes per cell near the corpus's (calibrated on other noise).
    o.threshold.reset();
    o.bars = 32;
    const Multitrack song = maker.generate(o);
    double on = 0;
    for (const auto& t : song.tracks)
        for (std::size_t s = 0; s < song.steps(); ++s)
            for (int p = 24; p < 96; ++p) on += t.at(s, p) != 0;
    const double density = on / (5.0 * double(song.steps()) * 72);
    EXPECT_GT(density, 0.5 * c->density[0]);
    EXPECT_LT(density, 2.0 * c->density[0]);
    // A malformed file is refused with a FormatError, a missing one is "no calibration".
    write_file_atomically(run / "thresholds.json", "{\"density_drums\": \"x\"}");
    EXPECT_THROW(read_gan_calibration(run), FormatError);
    fs::remove(run / "thresholds.json");
    EXPECT_FALSE(read_gan_calibration(run).has_value());
}

TEST(GanCalibration, ThresholdOption) {
    EXPECT_FALSE(parse_gan_threshold("auto").has_value());
    EXPECT_EQ(parse_gan_threshold("0.25"), 0.25);
    EXPECT_THROW(parse_gan_threshold("1.5"), UsageError);
    EXPECT_THROW(parse_gan_threshold("half"), UsageError);
    EXPECT_THROW(parse_gan_threshold(""), UsageError);
}
