// --from/--keep on the DCGAN: the kept instruments are the song's, the others G's at the noise a latent
// search finds for the kept ones (inpainting), seeded; bad --keep lists are one line and exit 2.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "gan_fixture.hpp"
#include "io/npz/npz.hpp"
#include "systems/gan/generator.hpp"
#include "systems/gan/trainer.hpp"
#include "systems/registry.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

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

TEST(GanRegeneration, KeptInstrumentsStayAndTheOthersComeFromTheLatentSearch) {
    const fs::path run = test::gan_tmp("keep");
    train_gan(test::quick_gan(run, 1));
    const fs::path dir = test::gan_tmp("keep-files");
    fs::create_directories(dir);
    const Multitrack song = test::synthetic_song(6, 4, 42);  // 96 steps: a block and a half of G's 64
    write_npz(song, dir / "song.npz");

    auto system = make_system("gan");
    auto sampler = system->open(run, "cpu");
    auto settings = system->sample_settings();
    set_option(settings->options(), "--from", (dir / "song.npz").string());
    set_option(settings->options(), "--keep", "piano,bass");
    set_option(settings->options(), "--search-steps", "20");
    // This 1-epoch G barely depends on its noise (every probability near 0.5): seeded Bernoulli draws make
    // the seed visible in the song; the search itself is tested below on a G that depends on its noise.
    set_option(settings->options(), "--draw", "bernoulli");
    SampleRequest request;
    request.seed = 5;
    const Multitrack out = sampler->sample(request, *settings);
    ASSERT_EQ(out.tracks.size(), 5u);
    EXPECT_EQ(out.steps(), song.steps());  // the song's length, not whole blocks
    for (Family kept : {Family::Piano, Family::Bass})
        EXPECT_EQ(out.tracks[std::size_t(kept)].roll, song.tracks[std::size_t(kept)].roll) << family_name(kept);
    int changed = 0;
    for (Family other : {Family::Drums, Family::Guitar, Family::Strings})
        changed += out.tracks[std::size_t(other)].roll != song.tracks[std::size_t(other)].roll;
    EXPECT_GE(changed, 1);
    // Seeded: the same settings give the same song, another seed another one.
    auto same = [](const Multitrack& a, const Multitrack& b) {
        for (std::size_t i = 0; i < a.tracks.size(); ++i)
            if (a.tracks[i].roll != b.tracks[i].roll) return false;
        return true;
    };
    EXPECT_TRUE(same(sampler->sample(request, *settings), out));
    request.seed = 6;
    EXPECT_FALSE(same(sampler->sample(request, *settings), out));

    // The search does what it is for, on a G whose output is a known function of its noise: g(z) =
    // sigmoid(4 z W) on 2 channels of 3 x 4 cells. The target is g(z*) > 0.5 on channel 0 (kept) for a z*;
    // from other noise, the search brings channel 0 of g(z) to the target's cells while channel 1 is free.
    torch::manual_seed(3);
    const auto W = torch::randn({8, 2 * 3 * 4});
    auto g = [&](const torch::Tensor& z) { return torch::sigmoid(4 * torch::matmul(z, W)).view({z.size(0), 2, 3, 4}); };
    const auto z_star = torch::randn({2, 8}), z0 = torch::randn({2, 8});
    const auto target = g(z_star).gt(0.5).to(torch::kFloat);
    std::pair<double, double> losses;
    const auto z = search_latents(g, z0, target, {0}, 300, &losses);
    EXPECT_LT(losses.second, 0.25 * losses.first) << losses.first << " -> " << losses.second;
    const auto before = g(z0).select(1, 0).gt(0.5).eq(target.select(1, 0).gt(0.5)).to(torch::kFloat).mean().item<double>();
    const auto after = g(z).select(1, 0).gt(0.5).eq(target.select(1, 0).gt(0.5)).to(torch::kFloat).mean().item<double>();
    EXPECT_GE(after, 0.95) << "cells of the kept channel matched: " << before << " before, " << after << " after";
    EXPECT_TRUE(torch::equal(search_latents(g, z0, target, {0}, 0), z0));  // no steps: the noise as drawn
    EXPECT_TRUE(torch::equal(search_latents(g, z0, target, {0}, 300), z));  // the same search, the same noise

    // Bad --keep lists: one line, exit 2, no file.
    const std::string from = (dir / "song.npz").string();
    for (const auto& [args, words] : std::vector<std::pair<std::string, std::string>>{
             {"--keep piano", "--keep needs --from"},
             {"--from " + from + " --keep piano,tuba", "'tuba' is not one of piano, guitar, bass, strings, drums"},
             {"--from " + from + " --keep drums,piano,guitar,bass,strings", "nothing would be regenerated"},
             {"--from " + from + " --keep bass,bass", "bass is named twice"}}) {
        const Exit e = run_quintet("generate " + run.string() + " -o " + (dir / "x.mid").string() + " " + args, dir);
        EXPECT_EQ(e.code, 2) << args << ": " << e.err;
        EXPECT_NE(e.err.find(words), std::string::npos) << e.err;
        EXPECT_EQ(std::count(e.err.begin(), e.err.end(), '\n'), 1) << e.err;
        EXPECT_FALSE(fs::exists(dir / "x.mid"));
    }
}
