#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "corpus/store.hpp"
#include "systems/vae_nn/generator.hpp"
#include "systems/vae_nn/system.hpp"
#include "io/midi/midi_write.hpp"
#include "io/npz/npz.hpp"
#include "support/tiny_store.hpp"
#include "systems/vae_nn/run_info.hpp"
#include "systems/vae_nn/trainer.hpp"
#include "nn/batches.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {

fs::path tmp_dir() {
    fs::path p = fs::path(QUINTET_BINARY_DIR) / "test-tmp" / "generate";
    fs::create_directories(p);
    return p;
}

// A small trained run shared by the tests, trained once per build of this test binary (the directory name
// carries the binary's time stamp) into a temporary directory renamed into place, so parallel test
// processes never see half a run and never delete one another's.
fs::path trained_run() {
    auto stamp = fs::last_write_time("/proc/self/exe").time_since_epoch().count();
    fs::path run = tmp_dir() / ("run-" + std::to_string(stamp < 0 ? -stamp : stamp));
    if (fs::exists(run / "model.pt")) return run;
    fs::path staging = tmp_dir() / ("staging-" + std::to_string(::getpid()));
    fs::remove_all(staging);
    train_vae_nn(test::tiny_train_config(staging, 2));
    std::error_code ec;
    fs::rename(staging, run, ec);
    if (ec) fs::remove_all(staging);  // another process won the race: use its run
    return run;
}

VaeNnGenerateOptions seeded_from(const std::string& lpd5_name, int block) {
    VaeNnGenerateOptions o;
    o.seed_source = SeedSource::File;
    o.seed_file = test::shared_data_dir() / "lpd5" / (lpd5_name + ".npz");
    o.seed_block = block;
    o.blocks = 4;
    return o;
}

// Writes an npz holding only the drums of an lpd5 song.
fs::path drums_only(const std::string& lpd5_name) {
    Multitrack mt = read_npz(test::shared_data_dir() / "lpd5" / (lpd5_name + ".npz"));
    for (std::size_t t = 1; t < mt.tracks.size(); ++t) std::fill(mt.tracks[t].roll.begin(), mt.tracks[t].roll.end(), 0);
    fs::path out = tmp_dir() / ("drums-" + lpd5_name + "-" + std::to_string(::getpid()) + ".npz");
    write_npz(mt, out);
    return out;
}

std::vector<std::uint8_t> track_steps(const Multitrack& mt, int track, std::size_t from, std::size_t to) {
    return {mt.tracks[track].roll.begin() + from * 128, mt.tracks[track].roll.begin() + to * 128};
}

}  // namespace

TEST(VaeGeneration, SameSeedSameMidiBytesAndAnotherSeedDiffers) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto run = trained_run();
    auto o = seeded_from("mma__solo_solo", 1);
    o.noise_sd = 1.0;
    VaeNnGenerator a(run), b(run);
    auto first = encode_midi(a.generate(o)), second = encode_midi(b.generate(o));
    EXPECT_EQ(first, second);
    EXPECT_EQ(first, encode_midi(a.generate(o)));  // a sampler opened once gives the same song again
    o.seed = 2;
    EXPECT_NE(first, encode_midi(b.generate(o)));
}

TEST(VaeGeneration, SongLayoutVelocitiesAndSeedBlock) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    VaeNnGenerator gen(trained_run());
    auto o = seeded_from("mma__solo_solo", 2);
    o.blocks = 3;
    o.threshold = 0.05;  // let a barely trained model play something
    auto song = gen.generate(o);
    ASSERT_EQ(song.tracks.size(), 5u);
    // Written at 4 steps per beat: every 2-step-per-beat cell is two steps; a drum cell sounds in the first only
    // (a stroke per cell, strike_drums), a pitched cell in both.
    EXPECT_EQ(song.resolution, 4);
    const char* names[] = {"Drums", "Piano", "Guitar", "Bass", "Strings"};
    const int programs[] = {0, 0, 24, 32, 48};
    for (int f = 0; f < 5; ++f) {
        EXPECT_EQ(song.tracks[f].name, names[f]);
        EXPECT_EQ(song.tracks[f].program, programs[f]);
        EXPECT_EQ(song.tracks[f].is_drum, f == 0);
        EXPECT_EQ(song.tracks[f].steps(), 192u);
        // binarised: 0.8 * 127 -> 101, strings x 0.75 -> 76 (SEED-SPEC 9.4)
        for (auto v : song.tracks[f].roll) ASSERT_TRUE(v == 0 || v == (f == 4 ? 76 : 101)) << int(v);
        for (std::size_t s = 0; s < 96; ++s)
            for (int p = 0; p < 128; ++p) {
                // A bar copied by the repeat rule starts its notes again: a note held into it ends a 16th early.
                const bool restruck = f != 0 && s % 8 == 7 && song.tracks[f].at(2 * s + 1, p) == 0 && s + 1 < 96 &&
                                      song.tracks[f].at(2 * s + 2, p) > 0;
                if (restruck) continue;
                ASSERT_EQ(song.tracks[f].at(2 * s + 1, p), f == 0 ? 0 : song.tracks[f].at(2 * s, p)) << f << " " << s << " " << p;
            }
    }
    // Block 0 is the seed file's block 2 (binarised): the same cells are on.
    auto ref = vae_windows(read_npz(o.seed_file));
    for (int i = 0; i < 5; ++i) {
        int f = kVaeInstrumentFamily[i];
        auto expected = ref[2][i].flatten().contiguous();
        const std::uint8_t* e = expected.data_ptr<std::uint8_t>();
        for (std::size_t c = 0; c < 32 * 128; ++c)
            ASSERT_EQ(song.tracks[f].at(2 * (c / 128), int(c % 128)) != 0, e[c] != 0) << "instrument " << i << " cell " << c;
    }
}

TEST(VaeGeneration, MixStyleMovesOnlyInstrumentsWithReferences) {
    StyleLibrary lib;
    lib.latents.resize(5);
    lib.latents[4] = torch::full({3, 4}, 2.0);  // drums only
    lib.latents[1] = torch::full({1, 4}, -1.0); // guitar
    auto z = torch::randn({1, 5, 4});
    std::mt19937_64 rng(1);
    auto mixed = mix_style(z, lib, 0.25, rng);
    for (int i : {0, 2, 3}) EXPECT_TRUE(torch::equal(mixed.select(1, i), z.select(1, i))) << i;
    EXPECT_TRUE(torch::allclose(mixed.select(1, 4), 0.25 * 2.0 + 0.75 * z.select(1, 4)));
    EXPECT_TRUE(torch::allclose(mixed.select(1, 1), 0.25 * -1.0 + 0.75 * z.select(1, 1)));
}

TEST(VaeGeneration, DrumStyleLeavesTheOtherInstrumentsAlone) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    VaeNnGenerator gen(trained_run());
    auto o = seeded_from("mma__solo_solo", 1);
    o.noise_sd = 0;  // so only the style can change anything (the bar repeats' draws follow the style's: off)
    o.threshold = 0.05;
    o.repeat = 0.0;
    o.revive = 0;
    auto plain = gen.generate(o);
    o.style_files = {drums_only("freedoom__freedoom1_D_E1M7")};
    auto lib = gen.style_library(gen.style_songs(o));
    for (int i = 0; i < 4; ++i) EXPECT_FALSE(lib.latents[i].defined() && lib.latents[i].size(0) > 0) << i;
    ASSERT_GT(lib.latents[4].size(0), 0);
    o.alpha = 1.0;
    auto styled = gen.generate(o);
    // The piano net sees only the piano latent and each conditional net its own latent plus the new piano
    // latent, so in the first generated block only drums may change.
    for (int f = 1; f < 5; ++f) EXPECT_EQ(track_steps(plain, f, 64, 128), track_steps(styled, f, 64, 128)) << f;
    o.alpha = 0.0;  // alpha 0: the style has no effect at all
    EXPECT_EQ(encode_midi(gen.generate(o)), encode_midi(plain));
    fs::remove(o.style_files[0]);
}

TEST(VaeGeneration, NoiseGoesWhereAsked) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    VaeNnGenerator gen(trained_run());
    auto o = seeded_from("mma__solo_solo", 1);
    o.noise_sd = 0;
    auto quiet_a = encode_midi(gen.generate(o));
    o.noise_at = NoiseAt::Input;
    EXPECT_EQ(encode_midi(gen.generate(o)), quiet_a);  // no noise: the setting cannot matter
    o.noise_sd = 1.5;
    o.threshold = 0.05;
    // decoded values as velocities: a barely trained Bernoulli model can put every cell above the
    // threshold, and binarised notes would then hide where the noise went
    o.binarize = false;
    auto input = gen.generate(o);
    o.noise_at = NoiseAt::Predicted;
    auto predicted = gen.generate(o);
    EXPECT_NE(encode_midi(input), encode_midi(predicted));
}

TEST(VaeGeneration, ThresholdsDefaultToTheRunsCalibratedOnes) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto run = trained_run();
    VaeNnGenerator gen(run);
    auto calibrated = read_run_info(run).thresholds;
    ASSERT_TRUE(calibrated.has_value());
    VaeNnGenerateOptions o;
    EXPECT_EQ(gen.thresholds(o), *calibrated);
    o.threshold = 0.25;
    for (double t : gen.thresholds(o)) EXPECT_EQ(t, 0.25);
    // every decoded cell the song keeps after the seed block reached its instrument's threshold
    o = seeded_from("mma__solo_solo", 1);
    o.noise_sd = 1.0;
    o.binarize = false;
    std::mt19937_64 rng(o.seed);
    torch::Generator g = at::detail::createCPUGenerator(o.seed);
    auto seed = gen.seed_window(o, rng, g);
    auto rolls = gen.generate_rolls(seed, o, {}, rng, g).narrow(1, 32, 32 * (o.blocks - 1));
    for (int i = 0; i < kVaeInstruments; ++i) {
        auto on = rolls[i].masked_select(rolls[i] > 0);
        if (on.numel() == 0) continue;
        double factor = i == 3 ? 0.75 : 1.0;  // strings are quietened after thresholding
        EXPECT_GE(on.min().item<double>() + 1e-6, (*calibrated)[i] * factor) << "instrument " << i;
    }
    EXPECT_THROW(parse_threshold("1.5"), UsageError);
    EXPECT_THROW(parse_threshold("0.3x"), UsageError);
    EXPECT_EQ(parse_threshold("auto"), std::nullopt);
    EXPECT_EQ(parse_threshold("0.125"), 0.125);
}

TEST(VaeGeneration, CorpusSeedIsATrainWindowWithTheMostInstruments) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto run = trained_run();
    VaeNnGenerator gen(run);
    auto store = CorpusStore::open(test::default_tiny_store());
    auto train = to_unit_float(window_tensor(store_windows(store, Split::Train, vae_window_spec())), torch::kCPU);  // [N, 5, 32, 128]
    auto playing = train.flatten(2).gt(0).any(2).sum(1);
    const auto most = playing.max().item<std::int64_t>();
    std::set<std::int64_t> picked;
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
        VaeNnGenerateOptions o;
        o.seed_source = SeedSource::Corpus;
        o.seed_full_band = true;
        o.seed = seed;
        std::mt19937_64 rng(seed);
        torch::Generator g = at::detail::createCPUGenerator(seed);
        auto window = gen.seed_window(o, rng, g);
        EXPECT_EQ(window.flatten(1).gt(0).any(1).sum().item<std::int64_t>(), most) << "seed " << seed;
        // it is one of the train windows, unchanged
        auto same = (train - window.unsqueeze(0)).abs().flatten(1).amax(1).eq(0).nonzero();
        ASSERT_GE(same.size(0), 1) << "seed " << seed;
        picked.insert(same[0][0].item<std::int64_t>());
    }
    if ((playing == most).sum().item<std::int64_t>() > 1) {
        EXPECT_GT(picked.size(), 1u) << "the draw should vary with the seed";
    }
    // The default (--seed-band any, --seed-pick spread): a train window with notes, whatever its band; consecutive
    // seeds spread over the windows ordered by band, so 20 seeds get the piano about as often as the windows have it
    // (a golden-ratio sequence: its share in any interval is within 0.1 of the interval's length at 20 points).
    std::set<std::int64_t> bands;
    const auto with_notes = playing.gt(0);
    const double piano_share = (train.select(1, 0).flatten(1).gt(0).any(1) & with_notes).sum().item<double>() /
                               with_notes.sum().item<double>();
    int with_piano = 0;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        VaeNnGenerateOptions o;
        o.seed_source = SeedSource::Corpus;
        o.seed = seed;
        std::mt19937_64 rng(seed);
        torch::Generator g = at::detail::createCPUGenerator(seed);
        auto window = gen.seed_window(o, rng, g);
        const auto band = window.flatten(1).gt(0).any(1).sum().item<std::int64_t>();
        EXPECT_GE(band, 1) << "seed " << seed;
        bands.insert(band);
        with_piano += window[0].gt(0).any().item<bool>();
        EXPECT_GE((train - window.unsqueeze(0)).abs().flatten(1).amax(1).eq(0).nonzero().size(0), 1) << "seed " << seed;
    }
    if (playing.gt(0).sum().item<std::int64_t>() > (playing == most).sum().item<std::int64_t>() * 2) {
        EXPECT_GT(bands.size(), 1u) << "seeds should reach windows of other bands";
    }
    EXPECT_NEAR(with_piano / 20.0, piano_share, 0.1);
}

TEST(VaeGeneration, BadInputsAreUsageErrors) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto run = trained_run();
    EXPECT_THROW(VaeNnGenerator(tmp_dir() / "no-such-run"), UsageError);
    VaeNnGenerator gen(run);
    auto o = seeded_from("mma__solo_solo", 0);
    o.blocks = 0;
    EXPECT_THROW(gen.generate(o), UsageError);
    o.blocks = 2;
    o.alpha = 1.5;
    EXPECT_THROW(gen.generate(o), UsageError);
    o.alpha = 0.5;
    o.seed_block = 1000;
    EXPECT_THROW(gen.generate(o), UsageError);
    // a seed file with no notes
    Multitrack silent;
    silent.resolution = 24;
    silent.tracks.resize(1);
    silent.tracks[0].name = "Piano";
    silent.tracks[0].resize_steps(24 * 64);
    fs::path empty = tmp_dir() / ("silent-" + std::to_string(::getpid()) + ".mid");
    write_midi(silent, empty);
    o.seed_block = 0;
    o.seed_file = empty;
    EXPECT_THROW(gen.generate(o), UsageError);
    fs::remove(empty);
}

TEST(VaeGeneration, CliWritesTheSongAndRejectsBadInputWithExitCode2) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto run = trained_run();
    std::string quintet = QUINTET_BINARY_DIR "/quintet";
    fs::path out = tmp_dir() / ("cli-" + std::to_string(::getpid()) + ".mid");
    std::string ok = quintet + " generate " + run.string() + " -o " + out.string() + " --blocks 3 --seed 4 --seed-random";
#ifdef QUINTET_HAVE_IMAGES
    const fs::path png = fs::path(out).replace_extension(".png");  // cli/song_outputs, shared with render
    ok += " --png " + png.string();
#endif
    EXPECT_EQ(std::system((ok + " > /dev/null").c_str()), 0);
    EXPECT_TRUE(fs::exists(out));
    fs::remove(out);
#ifdef QUINTET_HAVE_IMAGES
    std::ifstream in(png, std::ios::binary);
    std::string magic(8, '\0');
    in.read(magic.data(), 8);
    EXPECT_EQ(magic, std::string("\x89PNG\r\n\x1a\n", 8));
    fs::remove(png);
#endif
    for (std::string bad : {" generate " + (tmp_dir() / "nope").string() + " -o x.mid",
                            " generate " + run.string() + " -o x.mid --blocks 0",
                            " generate " + run.string() + " -o x.mid --threshold loud",
                            " generate " + run.string() + " -o x.mid --threshold 1.5",
                            " generate " + run.string() + " -o x.mid --alpha 2 --style-artist mma"}) {
        int status = std::system((quintet + bad + " 2> /dev/null").c_str());
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << bad;
    }
}

// The CPU fast path (VaeNnInference, weights read straight from model.pt) against the model's modules
// (use_fast_path(false)): the same random draws in the same order, values equal up to float rounding, so
// the same notes (a cell would differ only if a decoded value sat within ~1e-6 of the threshold).
TEST(VaeGeneration, FastPathGivesTheModulesSong) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    VaeNnGenerator fast(trained_run()), modules(trained_run());
    ASSERT_TRUE(fast.fast_path());
    modules.use_fast_path(false);
    ASSERT_FALSE(modules.fast_path());
    auto style = drums_only("freedoom__freedoom1_D_E1M7");
    std::vector<VaeNnGenerateOptions> cases;
    auto o = seeded_from("mma__solo_solo", 1);
    o.blocks = 6;
    o.threshold = 0.05;
    o.noise_sd = 1.0;
    cases.push_back(o);  // seed file, binarised, noise on the predicted latents
    o.binarize = false;  // decoded values as velocities
    o.noise_at = NoiseAt::Input;
    cases.push_back(o);
    o = seeded_from("openmsx__tttheme2", 0);
    o.blocks = 6;
    o.seed_source = SeedSource::Random;  // the seed block decoded too
    o.threshold = 0.1;
    cases.push_back(o);
    o = seeded_from("mma__midi-inc_frankie", 0);
    o.blocks = 6;
    o.style_files = {style};  // style latents encoded by each path, mixed with the same draws
    o.alpha = 0.7;
    o.threshold = 0.05;
    cases.push_back(o);
    o = VaeNnGenerateOptions();
    o.from = test::shared_data_dir() / "lpd5" / "mma__solo_solo.npz";
    o.keep = {0, 2};  // piano and bass kept: their blocks fed back on both paths
    o.noise_sd = 1.0;
    o.threshold = 0.05;
    cases.push_back(o);
    for (std::size_t c = 0; c < cases.size(); ++c) {
        auto a = fast.generate(cases[c]), b = modules.generate(cases[c]);
        std::size_t notes = 0;
        for (int f = 0; f < 5; ++f) {
            notes += std::size_t(std::count_if(a.tracks[f].roll.begin(), a.tracks[f].roll.end(), [](auto v) { return v != 0; }));
            EXPECT_EQ(a.tracks[f].roll, b.tracks[f].roll) << "case " << c << " track " << f;
        }
        EXPECT_GT(notes, 0u) << "case " << c << ": a silent song compares nothing";
    }
    // The style libraries themselves: the fast encoder against the modules' (GEMM form for batches).
    auto lib_a = fast.style_library(fast.style_songs(cases[3])), lib_b = modules.style_library(modules.style_songs(cases[3]));
    ASSERT_TRUE(lib_a.latents[4].defined());
    EXPECT_TRUE(torch::allclose(lib_a.latents[4], lib_b.latents[4], 1e-4, 1e-5));
    fs::remove(style);
}

TEST(VaeGeneration, FastLoadRejectsAnotherKAndAForeignArchive) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto run = trained_run();
    fs::path copy = tmp_dir() / ("foreign-" + std::to_string(::getpid()));
    fs::remove_all(copy);
    fs::create_directories(copy);
    fs::copy_file(run / "model.pt", copy / "model.pt");
    // model.json claims K=8: the checkpoint's header (K=4) must contradict it.
    std::string json = read_file(run / "model.json");
    auto at = json.find("\"latent\": 4");
    ASSERT_NE(at, std::string::npos) << json;
    write_file_atomically(copy / "model.json", json.replace(at, 11, "\"latent\": 8"));
    EXPECT_THROW(VaeNnGenerator{copy}, FormatError);
    // Not a torch archive at all.
    write_file_atomically(copy / "model.json", read_file(run / "model.json"));
    write_file_atomically(copy / "model.pt", "not a zip");
    EXPECT_THROW(VaeNnGenerator{copy}, FormatError);
    fs::remove_all(copy);
}
