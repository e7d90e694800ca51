// Training into a run directory, resume, checkpoints, and generation (packed path vs modules, determinism,
// --prime, Monte-Carlo dropout), on the tiny store of ../shared/data/lpd5 songs.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "corpus/song_loader.hpp"
#include "io/midi/midi_write.hpp"
#include "io/npz/npz.hpp"
#include "roll/operations.hpp"
#include "nn/batches.hpp"
#include "support/tiny_store.hpp"
#include "systems/cnn/generator.hpp"
#include "systems/cnn/run_info.hpp"
#include "systems/cnn/run_model.hpp"
#include "systems/cnn/system.hpp"
#include "systems/cnn/trainer.hpp"
#include "systems/registry.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {

CnnTrainConfig tiny_config(const fs::path& run, int epochs = 2) {
    CnnTrainConfig c;
    c.corpus = test::default_tiny_store();
    c.run_dir = run;
    c.epochs = epochs;
    c.batch = 8;
    c.seed = 5;
    c.quiet = true;
    return c;
}

// One trained run shared by the generation tests (trained once per process: one epoch keeps it cheap).
const fs::path& trained_run() {
    static const fs::path run = [] {
        auto p = test::fresh_test_path("cnn", "shared-run-" + std::to_string(::getpid()));
        train_cnn(tiny_config(p, 1));
        return p;
    }();
    return run;
}

void expect_same_state(torch::nn::Module& a, torch::nn::Module& b) {
    auto pb = b.named_parameters();
    for (const auto& item : a.named_parameters()) EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
    auto bb = b.named_buffers();
    for (const auto& item : a.named_buffers()) EXPECT_TRUE(torch::equal(item.value(), bb[item.key()])) << item.key();
}

std::string one_line_error(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(CnnTraining, WritesTheRunDirectory) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const auto& run = trained_run();
    for (const char* f : {"model.json", "config.json", "curve.csv", "model.pt", "last.pt"}) EXPECT_TRUE(fs::exists(run / f)) << f;
    EXPECT_FALSE(fs::exists(run / "curve.png"));  // one epoch: nothing to draw (ResumeEquals... checks two)
    const auto curve = read_file(run / "curve.csv");
    EXPECT_EQ(std::count(curve.begin(), curve.end(), '\n'), 1 + 1);
    EXPECT_NE(curve.find("valid_drums"), std::string::npos);
    const auto info = read_cnn_run_info(run);
    ASSERT_TRUE(info.thresholds.has_value());
    EXPECT_EQ(info.harmony_encoders, "shared");
    EXPECT_EQ(info.loss, "bce");
    // the density is the share of note cells of the train windows, counted here independently
    auto store = CorpusStore::open(test::default_tiny_store());
    auto train = window_tensor(store_windows(store, Split::Train, cnn_window_spec()));
    EXPECT_NEAR(info.density[0], train.select(1, 0).gt(0).sum().item<double>() / double(train.select(1, 0).numel()), 1e-9);
    EXPECT_NE(read_file(run / "config.json").find("\"model\": \"cnn\""), std::string::npos);
    // no second training into the same directory without --resume, nor another architecture with it
    EXPECT_THROW(train_cnn(tiny_config(run)), UsageError);
    auto other = tiny_config(run);
    other.harmony_encoders = "separate";
    other.resume = true;
    EXPECT_THROW(train_cnn(other), UsageError);
}

TEST(CnnTraining, ResumeEqualsUninterruptedTraining) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto straight = test::fresh_test_path("cnn", "straight"), resumed = test::fresh_test_path("cnn", "resumed");
    auto a = tiny_config(straight, 2), b = tiny_config(resumed, 2);
    a.harmony_encoders = b.harmony_encoders = "separate";
    train_cnn(a);
#ifdef QUINTET_HAVE_IMAGES
    EXPECT_TRUE(fs::exists(straight / "curve.png"));
#endif
    int calls = 0;
    const auto first = train_cnn(b, [&](const EpochRecord&) { return ++calls != 1; });  // stopped after epoch 1
    EXPECT_FALSE(first.finished);
    EXPECT_EQ(first.epochs, 1);
    b.resume = true;
    const auto rest = train_cnn(b);
    EXPECT_TRUE(rest.finished);
    EXPECT_EQ(rest.epochs, 2);
    auto x = load_cnn_run(straight), y = load_cnn_run(resumed);
    expect_same_state(*x, *y);
    auto losses = [](const fs::path& run) {  // the loss columns of curve.csv (not the timings)
        std::vector<std::string> out;
        std::istringstream in(read_file(run / "curve.csv"));
        for (std::string line; std::getline(in, line);) {
            std::vector<std::string> cells;
            std::istringstream row(line);
            for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
            cells.erase(cells.begin() + 5, cells.begin() + 7);  // seconds, samples_per_s
            for (const auto& c : cells) out.push_back(c);
        }
        return out;
    };
    EXPECT_EQ(losses(straight), losses(resumed));
    EXPECT_EQ(losses(straight).size(), 3 * 18u - 6);
    EXPECT_EQ(read_cnn_run_info(straight).thresholds, read_cnn_run_info(resumed).thresholds);
}

TEST(CnnCheckpoint, SaveLoadRoundTripAndForeignCheckpointsAreOneLine) {
    auto dir = test::fresh_test_path("cnn", "checkpoint");
    fs::create_directories(dir);
    torch::manual_seed(7);
    CnnBand a(HarmonyEncoders::Separate, CnnOutput::Relu), b(HarmonyEncoders::Separate, CnnOutput::Relu);
    save_weights(dir / "m.pt", cnn_layout(a));
    load_weights(dir / "m.pt", cnn_layout(b));
    expect_same_state(*a, *b);
    // another architecture of this system
    CnnBand shared(HarmonyEncoders::Shared, CnnOutput::Relu), bce(HarmonyEncoders::Separate, CnnOutput::Sigmoid);
    const auto e1 = one_line_error([&] { load_weights(dir / "m.pt", cnn_layout(shared)); });
    EXPECT_NE(e1.find("separate harmony encoders"), std::string::npos) << e1;
    EXPECT_THROW(load_weights(dir / "m.pt", cnn_layout(bce)), FormatError);
    // another system's checkpoint: a header without this kind's mark
    torch::nn::Linear other(3, 3);
    save_weights(dir / "other.pt", CheckpointLayout{"other", {{"kind_other", 1, nullptr}}, {{"model", other.ptr().get()}}, {}});
    const auto e2 = one_line_error([&] { load_weights(dir / "other.pt", cnn_layout(a)); });
    EXPECT_NE(e2.find("not a MelodyCNN + HarmonyCNN checkpoint"), std::string::npos) << e2;
    EXPECT_EQ(e2.find('\n'), std::string::npos) << e2;
    // another system's run directory (model.json names it)
    auto foreign = dir / "foreign-run";
    fs::create_directories(foreign);
    write_file_atomically(foreign / "model.json", "{\"model\": \"vae-nn\", \"format\": 1}\n");
    const auto e3 = one_line_error([&] { CnnGenerator g(foreign); });
    EXPECT_NE(e3.find("holds a 'vae-nn' model"), std::string::npos) << e3;
    EXPECT_EQ(e3.find('\n'), std::string::npos) << e3;
}

TEST(CnnGeneration, PackedStepEqualsTheModules) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    CnnGenerator g(trained_run());
    SamplingRng rng(3);
    CnnGenerateOptions o;
    o.seed_source = CnnSeedSource::Corpus;
    auto block = g.seed_block(o, rng).gt(0).to(torch::kFloat) * 0.8;
    const auto thresholds = g.threshold_tensor(o);
    torch::Tensor fast, slow;
    auto next_slow = g.predict_next_modules(block, thresholds, &slow);
    // Both paths: CnnInference (the CPU default) and the packed torch weights (other devices, dropout).
    for (bool fast_path : {true, false}) {
        g.use_fast_path(fast_path);
        ASSERT_EQ(g.fast_path(), fast_path);
        auto next_fast = g.predict_next(block, thresholds, 0, rng, &fast);
        EXPECT_TRUE(torch::allclose(fast, slow, 1e-4, 1e-5)) << fast_path << " " << (fast - slow).abs().max().item<double>();
        // Thresholded blocks agree except, at most, for cells within rounding of a threshold.
        EXPECT_LE(next_fast.ne(next_slow).sum().item<std::int64_t>(), 2) << fast_path;
    }
}

TEST(CnnGeneration, FastPathSongEqualsThePackedTorchPathSong) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    CnnGenerator g(trained_run());
    CnnGenerateOptions o;
    o.blocks = 8;
    o.seed_source = CnnSeedSource::Corpus;
    SamplingRng seed_rng(6);
    const auto seed = g.seed_block(o, seed_rng);
    auto song = [&](bool fast_path) {
        g.use_fast_path(fast_path);
        SamplingRng rng(1);
        return g.generate_rolls(seed, o, rng);
    };
    const auto fast = song(true), slow = song(false);
    ASSERT_GT(fast.narrow(1, kCnnSteps, 7 * kCnnSteps).gt(0).sum().item<std::int64_t>(), 0);  // the nets play
    // Float rounding could flip a cell sitting on a threshold (and the song would then go its own way); on this
    // run's songs it does not.
    EXPECT_TRUE(torch::equal(fast, slow)) << fast.ne(slow).sum().item<std::int64_t>() << " cells differ";
}

TEST(CnnGeneration, SameSeedSameBytesAndThePrimeOpensTheSong) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto system = make_system("cnn");
    auto sampler = system->open(trained_run(), "cpu");
    auto settings = system->sample_settings();
    SampleRequest r;
    r.bars = 16;
    r.seed = 4;
    const auto a = encode_midi(sampler->sample(r, *settings)), b = encode_midi(sampler->sample(r, *settings));
    EXPECT_EQ(a, b);
    r.seed = 5;
    EXPECT_NE(encode_midi(sampler->sample(r, *settings)), a);  // another corpus seed block

    // --prime: a test song's second block (--seed-block 1) is the output's first block.
    auto dir = test::fresh_test_path("cnn", "prime");
    fs::create_directories(dir);
    const Multitrack prime = test::load_lpd5_at_resolution_2("mma__midi-inc_frankie2");
    write_midi(prime, dir / "prime.mid");
    set_option(settings->options(), "--seed-block", "1");
    r.prime = dir / "prime.mid";
    const Multitrack song = sampler->sample(r, *settings);
    const auto expected = window_tensor(song_windows(load_song_file(dir / "prime.mid"), cnn_window_spec()))[1].gt(0);
    const auto got = window_tensor(song_windows(song, cnn_window_spec()))[0].gt(0);
    ASSERT_GT(expected.sum().item<std::int64_t>(), 0);
    EXPECT_TRUE(torch::equal(got, expected));
    EXPECT_EQ(song_windows(song, cnn_window_spec()).size(), 4);  // 16 bars = 4 blocks
}

TEST(CnnGeneration, MonteCarloDropoutVariesSongsFromOneSeedBlock) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    CnnGenerator g(trained_run());
    CnnGenerateOptions o;
    o.blocks = 4;
    o.seed_source = CnnSeedSource::Random;  // at the train windows' note density, thresholds as calibrated
    SamplingRng seed_rng(9);
    const auto seed = g.seed_block(o, seed_rng);
    auto song = [&](std::uint64_t s, double p) {
        o.sample_dropout = p;
        SamplingRng rng(s);
        return g.generate_rolls(seed, o, rng);
    };
    EXPECT_TRUE(torch::equal(song(1, 0), song(2, 0)));  // deterministic nets: the seed block decides everything
    const auto varied = song(1, 0.3);
    ASSERT_GT(varied.narrow(1, kCnnSteps, 3 * kCnnSteps).gt(0).sum().item<std::int64_t>(), 0);  // the nets play
    EXPECT_TRUE(torch::equal(varied, song(1, 0.3)));
    EXPECT_FALSE(torch::equal(song(1, 0.3), song(2, 0.3)));
}

TEST(CnnOptions, BadChoicesAreOneLine) {
    CnnSampleSettings s;
    SampleRequest r;
    r.prime = "x.mid";
    set_option(s.options(), "--seed-random", "true");
    EXPECT_THROW(s.resolve(r), UsageError);
    CnnSampleSettings t;
    set_option(t.options(), "--sample-dropout", "1");
    EXPECT_THROW(t.resolve(SampleRequest{}), UsageError);
    CnnSampleSettings u;
    set_option(u.options(), "--threshold", "1.5");
    EXPECT_THROW(u.resolve(SampleRequest{}), UsageError);
    CnnTrainSettings train;
    EXPECT_THROW(set_option(train.options(), "--harmony-encoders", "both"), UsageError);
    EXPECT_EQ(train.config.harmony_encoders, "shared");  // the original's, by default
    EXPECT_EQ(train.config.loss, "bce");
    EXPECT_EQ(make_system("cnn")->kind(), "cnn");
}

namespace {
struct Exit {
    int code = -1;
    std::string err;
};
Exit run_quintet(const std::string& args, const fs::path& dir) {
    const fs::path err = dir / "stderr.txt";
    const std::string cmd = std::string(QUINTET_BINARY_DIR "/quintet ") + args + " > /dev/null 2> " + err.string();
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(err)};
}
}  // namespace

// --from/--keep: a corpus song (not one these nets made) regenerated with its piano and bass kept; the nets
// make the others given them, so the kept rolls are the song's, cell for cell, and the others change.
TEST(CnnGeneration, FromKeepsTheLockedInstrumentsAndTheNetsMakeTheOthers) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path dir = test::fresh_test_path("cnn", "keep");
    fs::create_directories(dir);
    Multitrack original = test::load_lpd5_at_resolution_2("mma__midi-inc_frankie2");
    original.tempo.assign(original.steps(), 120);
    write_npz(original, dir / "song.npz");
    const Multitrack song = read_npz(dir / "song.npz");  // what --from reads
    auto system = make_system("cnn");
    auto sampler = system->open(trained_run(), "cpu");
    auto settings = system->sample_settings();
    set_option(settings->options(), "--from", (dir / "song.npz").string());
    set_option(settings->options(), "--keep", "piano,bass");
    const Multitrack out = sampler->sample(SampleRequest{}, *settings);
    ASSERT_EQ(out.tracks.size(), 5u);
    EXPECT_EQ(out.steps(), song.steps());  // the song's length
    for (Family kept : {Family::Piano, Family::Bass}) {
        ASSERT_FALSE(song.tracks[std::size_t(kept)].empty());
        EXPECT_EQ(out.tracks[std::size_t(kept)].roll, song.tracks[std::size_t(kept)].roll) << family_name(kept);
    }
    int changed = 0;
    for (Family other : {Family::Drums, Family::Guitar, Family::Strings})
        changed += out.tracks[std::size_t(other)].roll != song.tracks[std::size_t(other)].roll;
    EXPECT_GE(changed, 1);
    // The same settings give the same song; a kept guitar alone: the melody net makes a new piano.
    EXPECT_EQ(encode_midi(sampler->sample(SampleRequest{}, *settings)), encode_midi(out));
    set_option(settings->options(), "--keep", "guitar");
    const Multitrack guitar_kept = sampler->sample(SampleRequest{}, *settings);
    EXPECT_EQ(guitar_kept.tracks[std::size_t(Family::Guitar)].roll, song.tracks[std::size_t(Family::Guitar)].roll);
    EXPECT_NE(guitar_kept.tracks[std::size_t(Family::Piano)].roll, song.tracks[std::size_t(Family::Piano)].roll);

    // Bad --keep: one line each, exit 2 from the CLI.
    const std::string run = trained_run().string(), from = (dir / "song.npz").string();
    for (const auto& [args, words] : std::vector<std::pair<std::string, std::string>>{
             {"--keep piano", "--keep needs --from"},
             {"--from " + from + " --keep piano,banjo", "'banjo' is not one of piano, guitar, bass, strings, drums"},
             {"--from " + from + " --keep piano,guitar,bass,strings,drums", "nothing would be regenerated"},
             {"--from " + from + " --seed-random", "give no --prime or seed choice"}}) {
        const Exit e = run_quintet("generate " + run + " -o " + (dir / "x.mid").string() + " " + args, dir);
        EXPECT_EQ(e.code, 2) << args << ": " << e.err;
        EXPECT_NE(e.err.find(words), std::string::npos) << e.err;
        EXPECT_EQ(std::count(e.err.begin(), e.err.end(), '\n'), 1) << e.err;
        EXPECT_FALSE(fs::exists(dir / "x.mid"));
    }
}
