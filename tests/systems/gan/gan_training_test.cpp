// DCGAN training and generation through the library: the run directory, determinism, checkpoints and
// --resume, WGAN-GP, long songs joined without gaps, the prime, bad settings.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "gan_fixture.hpp"
#include "io/npz/npz.hpp"
#include "systems/gan/generator.hpp"
#include "systems/gan/model.hpp"
#include "systems/gan/trainer.hpp"
#include "systems/registry.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {

// curve.csv without the timing columns (seconds, samples/s), which differ between runs.
std::string curve_values(const fs::path& run) {
    std::istringstream in(read_file(run / "curve.csv"));
    std::string line, out;
    while (std::getline(in, line)) {
        std::stringstream cells(line);
        std::string cell;
        for (int i = 0; std::getline(cells, cell, ','); ++i)
            if (i != 5 && i != 6) out += cell + ",";
        out += "\n";
    }
    return out;
}

void expect_same_weights(const fs::path& a, const fs::path& b) {
    auto na = GanNets(read_gan_run(a).nets), nb = GanNets(read_gan_run(b).nets);
    load_weights(a / "model.pt", gan_layout(na));
    load_weights(b / "model.pt", gan_layout(nb));
    auto pb = nb.generator->named_parameters();
    for (const auto& p : na.generator->named_parameters()) EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
    auto db = nb.discriminator->named_parameters();
    for (const auto& p : na.discriminator->named_parameters()) EXPECT_TRUE(torch::equal(p.value(), db[p.key()])) << p.key();
}

bool same_rolls(const Multitrack& a, const Multitrack& b) {
    if (a.tracks.size() != b.tracks.size()) return false;
    for (std::size_t i = 0; i < a.tracks.size(); ++i)
        if (a.tracks[i].roll != b.tracks[i].roll) return false;
    return true;
}

}  // namespace

TEST(GanTraining, WritesTheRunDirectoryWithDiagnostics) {
    auto run = test::gan_tmp("full");
    auto r = train_gan(test::quick_gan(run, 2));
    EXPECT_TRUE(r.finished);
    EXPECT_EQ(r.epochs, 2);
    for (const char* f : {"config.json", "curve.csv", "model.pt", "last.pt"}) EXPECT_TRUE(fs::exists(run / f)) << f;
#ifdef QUINTET_HAVE_IMAGES
    EXPECT_TRUE(fs::exists(run / "curve.png"));
    EXPECT_TRUE(fs::exists(run / "samples" / "epoch_0001.png"));
    EXPECT_TRUE(fs::exists(run / "samples" / "epoch_0002.png"));
#endif
    const auto curve = read_file(run / "curve.csv");
    EXPECT_EQ(curve.substr(0, curve.find('\n')),
              "stage,epoch,epochs,train_loss,valid_loss,seconds,samples_per_s,best,d_loss,g_loss,d_acc_real,d_acc_fake,"
              "feature_matching,gradient_penalty,diversity_jaccard,diversity_distinct,density,threshold");
    EXPECT_EQ(std::count(curve.begin(), curve.end(), '\n'), 3);
    auto info = read_gan_run(run);
    EXPECT_EQ(info.nets.shape.steps, 64);
    EXPECT_EQ(info.nets.shape.pitches, 72);
    EXPECT_EQ(info.loss, "bce");
    const auto config = read_file(run / "config.json");
    EXPECT_NE(config.find("\"stabilisers\": \"label-smoothing,feature-matching,ttur\""), std::string::npos) << config;
    EXPECT_NE(config.find("\"windows\": 8"), std::string::npos) << config;  // 4 songs x 2 windows of 4 bars
    // Feature matching is on by default and shows in its column; BCE has no gradient penalty.
    std::istringstream rows(curve);
    std::string header, row;
    std::getline(rows, header);
    std::getline(rows, row);
    std::vector<double> v;
    std::stringstream cells(row);
    for (std::string cell; std::getline(cells, cell, ',');) v.push_back(std::stod(cell));
    EXPECT_GT(v[12], 0.0);   // feature_matching
    EXPECT_EQ(v[13], 0.0);   // gradient_penalty
    for (int i : {10, 11, 14, 15, 16}) {
        EXPECT_GE(v[std::size_t(i)], 0.0);
        EXPECT_LE(v[std::size_t(i)], 1.0);
    }
    EXPECT_THROW(train_gan(test::quick_gan(run, 2)), UsageError);  // no overwrite without --resume
}

TEST(GanTraining, SameSeedSameRunAndResumeEqualsUninterrupted) {
    // The second run starts afresh with the same seed, stops after one epoch and resumes: equal to the first
    // run, it shows both determinism and an exact resume.
    auto a = test::gan_tmp("seed-a"), resumed = test::gan_tmp("resumed");
    train_gan(test::quick_gan(a, 2));
    auto c = test::quick_gan(resumed, 2);
    auto first = train_gan(c, [](const EpochRecord&) { return false; });  // stopped after epoch 1
    EXPECT_FALSE(first.finished);
    EXPECT_EQ(first.epochs, 1);
    c.resume = true;
    EXPECT_TRUE(train_gan(c).finished);
    EXPECT_EQ(curve_values(a), curve_values(resumed));
    expect_same_weights(a, resumed);
    c.shape = "article";  // resuming with other networks is refused
    EXPECT_THROW(train_gan(c), UsageError);
}

TEST(GanTraining, WganGpCriticTrains) {
    auto run = test::gan_tmp("wgan");
    auto c = test::quick_gan(run, 1);
    c.loss = "wgan-gp";
    c.critic_steps = 2;
    train_gan(c);
    auto info = read_gan_run(run);
    EXPECT_TRUE(info.nets.critic);
    const auto config = read_file(run / "config.json");
    EXPECT_NE(config.find("\"stabilisers\": \"none\""), std::string::npos);
    EXPECT_NE(config.find("\"lr_d\": 0.0001"), std::string::npos) << config;
    std::istringstream rows(read_file(run / "curve.csv"));
    std::string row;
    std::getline(rows, row);
    std::getline(rows, row);
    std::vector<double> v;
    std::stringstream cells(row);
    for (std::string cell; std::getline(cells, cell, ',');) v.push_back(std::stod(cell));
    EXPECT_GT(v[13], 0.0);  // the gradient penalty was computed
    auto bad = test::quick_gan(test::gan_tmp("wgan-bad"), 1);
    bad.loss = "wgan-gp";
    bad.stabilisers = "label-smoothing";
    EXPECT_THROW(train_gan(bad), UsageError);
}

TEST(GanTraining, SaveLoadRoundTripAndForeignCheckpoints) {
    auto dir = test::gan_tmp("checkpoint");
    fs::create_directories(dir);
    torch::manual_seed(5);
    GanNetSettings s{gan_shape_preset("original"), 100, false, false};
    GanNets a(s), b(s);
    save_weights(dir / "m.pt", gan_layout(a));
    load_weights(dir / "m.pt", gan_layout(b));
    a.generator->eval();
    b.generator->eval();
    auto z = torch::randn({2, 100});
    EXPECT_TRUE(torch::equal(a.generator(z), b.generator(z)));
    GanNetSettings other = s;
    other.shape = gan_shape_preset("article");
    GanNets article(other);
    EXPECT_THROW(load_weights(dir / "m.pt", gan_layout(article)), FormatError);
    other = s;
    other.shared_norm = true;
    GanNets shared(other);
    EXPECT_THROW(load_weights(dir / "m.pt", gan_layout(shared)), FormatError);
    write_file_atomically(dir / "junk.pt", "not a checkpoint");
    EXPECT_THROW(load_weights(dir / "junk.pt", gan_layout(b)), FormatError);
}

TEST(GanGeneration, LongSongIsSeveralSamplesWithNoSilentGap) {
    auto run = test::gan_tmp("generate");
    train_gan(test::quick_gan(run, 1));
    GanSongMaker maker(run);
    // A threshold that lets about a tenth of the cells sound, wherever G puts its mass after one epoch.
    auto probabilities = maker.sample_probabilities(3, 3);
    const double threshold = std::get<0>(probabilities.flatten().kthvalue(probabilities.numel() * 9 / 10)).item<double>();
    GanGenerateOptions o;
    o.bars = 12;
    o.seed = 3;
    o.threshold = threshold;
    Multitrack song = maker.generate(o);
    ASSERT_EQ(song.resolution, 4);
    ASSERT_EQ(song.steps(), 3u * 64u);  // three 4-bar samples, nothing between them
    // Sample i fills steps [64 i, 64 i + 64): the song is the three samples end to end.
    auto expected = blocks_to_multitrack(notes_from_probabilities(probabilities, threshold), maker.shape(), 120);
    EXPECT_TRUE(same_rolls(song, expected));
    // All five tracks are written (the original dropped the drums), and no bar of the song is silent.
    ASSERT_EQ(song.tracks.size(), 5u);
    EXPECT_TRUE(song.tracks[0].is_drum);
    for (std::size_t bar = 0; bar < 12; ++bar) {
        bool sounds = false;
        for (const auto& t : song.tracks)
            for (std::size_t s = bar * 16; s < bar * 16 + 16 && !sounds; ++s)
                for (int p = 0; p < kPitches && !sounds; ++p) sounds = t.at(s, p) != 0;
        EXPECT_TRUE(sounds) << "bar " << bar;
    }
    // Same seed, same song; another seed, another song; Bernoulli draws are seeded too.
    EXPECT_TRUE(same_rolls(song, maker.generate(o)));
    o.seed = 4;
    EXPECT_FALSE(same_rolls(song, maker.generate(o)));
    o.draw = "bernoulli";
    EXPECT_TRUE(same_rolls(maker.generate(o), maker.generate(o)));
    o.bars = 13;  // rounded up to whole samples
    EXPECT_EQ(maker.generate(o).steps(), 4u * 64u);
}

TEST(GanGeneration, PrimeOpensTheSongAndSamplesFollow) {
    auto run = test::gan_tmp("prime");
    train_gan(test::quick_gan(run, 1));
    auto dir = test::gan_tmp("prime-files");
    fs::create_directories(dir);
    Multitrack prime = test::synthetic_song(4, 4, 99);
    write_npz(prime, dir / "prime.npz");  // at 4 steps per beat: no resampling between file and song
    GanSongMaker maker(run);
    GanGenerateOptions o;
    o.bars = 8;
    o.prime = dir / "prime.npz";
    o.prime_bars = 2;
    o.threshold = 0.5;
    Multitrack song = maker.generate(o);
    // 2 bars of prime (32 steps), then 6 bars of samples = 2 samples of 4 bars.
    ASSERT_EQ(song.steps(), 32u + 2u * 64u);
    for (std::size_t f = 0; f < 5; ++f)
        for (std::size_t s = 0; s < 32; ++s)
            for (int p = 0; p < kPitches; ++p)
                ASSERT_EQ(song.tracks[f].at(s, p) != 0, prime.tracks[f].at(s, p) != 0) << f << " " << s << " " << p;
    auto samples = blocks_to_multitrack(notes_from_probabilities(maker.sample_probabilities(2, o.seed), 0.5), maker.shape(), 120);
    for (std::size_t f = 0; f < 5; ++f)
        EXPECT_TRUE(std::equal(samples.tracks[f].roll.begin(), samples.tracks[f].roll.end(),
                               song.tracks[f].roll.begin() + 32 * kPitches));
    o.prime = dir / "missing.npz";
    EXPECT_THROW(maker.generate(o), Error);
}

TEST(GanSystem, RegisteredWithItsAliasAndOptions) {
    auto gan = make_system("dcgan");
    EXPECT_EQ(gan->kind(), "gan");
    auto train = gan->train_settings();
    EXPECT_NE(find_option(train->options(), "--shared-norm"), nullptr);
    EXPECT_NE(find_option(train->options(), "--stabilizers"), nullptr);
    EXPECT_THROW(set_option(train->options(), "--loss", "hinge"), UsageError);
    auto sample = gan->sample_settings();
    const Option* prime_bars = find_option(sample->options(), "--prime-bars");
    ASSERT_NE(prime_bars, nullptr);
    EXPECT_NE(prime_bars->help.find("does not continue"), std::string::npos);
    EXPECT_THROW(gan->open(test::gan_tmp("no-run"), "cpu"), UsageError);
}
