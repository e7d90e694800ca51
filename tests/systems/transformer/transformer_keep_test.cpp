// --from/--keep on the Transformer-XL (lpd5 runs): the kept instruments' token groups forced into the stream
// at their places while the model draws the others; the musicautobot vocabulary and bad lists refused in one line.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "corpus/store_writer.hpp"
#include "io/npz/npz.hpp"
#include "represent/music_tokens.hpp"
#include "roll/operations.hpp"
#include "support/tiny_store.hpp"
#include "systems/keep_option.hpp"
#include "systems/registry.hpp"
#include "systems/transformer/generator.hpp"
#include "systems/transformer/trainer.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {
Multitrack sixteenth(const std::string& name) {
    Multitrack mt = read_npz(test::shared_data_dir() / "lpd5" / (name + ".npz"));
    set_resolution(mt, 4);
    pad_to_same(mt);
    return mt;
}

// A 1-epoch lpd5 run on the tiny store's songs at 4 steps per beat (one per process: ctest runs tests apart).
fs::path lpd5_run(const fs::path& dir, const std::string& vocab) {
    const fs::path store = dir / "tiny16.store";
    if (!fs::exists(store))
        write_store(store, 4, [](StoreWriter& w) {
            for (const auto& [name, split] : test::tiny_store_songs()) {
                SongInfo info;
                info.id = info.title = name;
                info.split = split;
                w.add(info, sixteenth(name));
            }
        });
    TransformerTrainConfig c;
    c.corpus = store;
    c.run_dir = dir / ("run-" + vocab);
    c.vocab = vocab;
    c.layers = 1;
    c.d_model = 32;
    c.heads = 2;
    c.d_inner = 64;
    c.mem_len = 256;
    c.bptt = 32;
    c.batch = 2;
    c.epochs = 1;
    c.max_songs = 3;
    c.quiet = true;
    train_transformer(c, nullptr);
    return c.run_dir;
}

struct Exit {
    int code = -1;
    std::string err;
};
Exit run_quintet(const std::string& args, const fs::path& dir) {
    const fs::path err = dir / "stderr.txt";
    const int status = std::system((std::string(QUINTET_BINARY_DIR "/quintet ") + args + " > /dev/null 2> " + err.string()).c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(err)};
}
}  // namespace

// The groups a kept song gives, by hand on a small song: piano at steps 0 and 4, bass at 0, drums not kept.
TEST(TransformerKeep, KeptTokensAreTheKeptInstrumentsGroupsPerOnset) {
    Multitrack song = empty_lpd5(8, 4);
    for (std::size_t s = 0; s < 2; ++s) song.tracks[1].at(s, 64) = song.tracks[1].at(s, 60) = 100;  // piano E4 C4, 2 steps
    song.tracks[1].at(4, 67) = 100;                                                                    // piano G4, 1 step
    for (std::size_t s = 0; s < 4; ++s) song.tracks[3].at(s, 36) = 90;                                 // bass C2, 4 steps
    song.tracks[0].at(0, 36) = 100;                                                                    // a kick, not kept
    const KeptTokens k = kept_tokens(song, {1, 3});
    using namespace tok;
    ASSERT_EQ(k.groups.size(), 2u);
    EXPECT_EQ(k.groups.at(0), (std::vector<std::vector<int>>{{instrument_begin + 1, note_begin + 64, dur_begin + 2, note_begin + 60, dur_begin + 2},
                                                           {instrument_begin + 3, note_begin + 36, dur_begin + 4}}));
    EXPECT_EQ(k.groups.at(4), (std::vector<std::vector<int>>{{instrument_begin + 1, note_begin + 67, dur_begin + 1}}));
    EXPECT_TRUE(k.kept[1] && k.kept[3] && !k.kept[0] && !k.kept[2] && !k.kept[4]);
}

TEST(TransformerKeep, KeptInstrumentsStayInTheStreamAndTheModelDrawsTheOthers) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path dir = test::fresh_test_path("transformer-keep", "keep");
    fs::create_directories(dir);
    const fs::path run = lpd5_run(dir, "lpd5");
    Multitrack original = sixteenth("mma__midi-inc_frankie2");
    trim(original, 0, 128);  // 8 bars
    original.tempo.assign(original.steps(), 120);
    write_npz(original, dir / "song.npz");
    const Multitrack song = load_song_to_regenerate(dir / "song.npz", 4);

    TransformerGenerator generator(run, "cpu");
    TransformerSampleConfig c;
    c.keep = {1, 3};  // piano, bass
    const KeptTokens kept = kept_tokens(song, c.keep);
    const auto ids = generator.generate_ids({}, song.steps(), 7, c, &kept);
    // Every kept group is in the stream, whole, at its onset step; no other token of a kept instrument.
    const auto at = token_steps(ids);
    std::size_t found = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] < tok::instrument_begin || ids[i] >= tok::instrument_end) continue;
        const int family = ids[i] - tok::instrument_begin;
        if (family != 1 && family != 3) continue;
        const std::size_t step = i ? at[i - 1] : 0;
        const auto& groups = kept.groups.at(step);
        const auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& grp) { return grp.front() == ids[i]; });
        ASSERT_NE(g, groups.end()) << "a kept instrument drawn at step " << step;
        EXPECT_TRUE(std::equal(g->begin(), g->end(), ids.begin() + long(i))) << "step " << step;
        ++found;
    }
    std::size_t expected = 0;
    for (const auto& [step, groups] : kept.groups) expected += groups.size();
    EXPECT_EQ(found, expected);

    // Through the System interface: the kept rolls are the song's, the song's length, another lane changed,
    // and the same seed gives the same song.
    auto system = make_system("transformer");
    auto sampler = system->open(run, "cpu");
    auto settings = system->sample_settings();
    set_option(settings->options(), "--from", (dir / "song.npz").string());
    set_option(settings->options(), "--keep", "piano,bass");
    SampleRequest request;
    request.seed = 7;
    const Multitrack out = sampler->sample(request, *settings);
    EXPECT_EQ(out.steps(), song.steps());
    for (Family f : {Family::Piano, Family::Bass}) {
        ASSERT_FALSE(song.tracks[std::size_t(f)].empty());
        EXPECT_EQ(out.tracks[std::size_t(f)].roll, song.tracks[std::size_t(f)].roll) << family_name(f);
    }
    int changed = 0;
    for (Family f : {Family::Drums, Family::Guitar, Family::Strings}) changed += out.tracks[std::size_t(f)].roll != song.tracks[std::size_t(f)].roll;
    EXPECT_GE(changed, 1);
    const Multitrack again = sampler->sample(request, *settings);
    for (std::size_t t = 0; t < 5; ++t) EXPECT_EQ(again.tracks[t].roll, out.tracks[t].roll);

    // One line, exit 2: bad lists, and a musicautobot run (its one part cannot tell the instruments apart).
    const fs::path mab = lpd5_run(dir, "musicautobot");
    const std::string from = (dir / "song.npz").string();
    for (const auto& [args, words] : std::vector<std::pair<std::string, std::string>>{
             {run.string() + " --keep piano", "--keep needs --from"},
             {run.string() + " --from " + from + " --keep piano,drums,guitar,bass,strings", "nothing would be regenerated"},
             {run.string() + " --from " + from + " --keep flute", "'flute' is not one of"},
             {mab.string() + " --from " + from + " --keep piano", "musicautobot vocabulary merges the instruments"}}) {
        const Exit e = run_quintet("generate " + args + " -o " + (dir / "x.mid").string(), dir);
        EXPECT_EQ(e.code, 2) << args << ": " << e.err;
        EXPECT_NE(e.err.find(words), std::string::npos) << e.err;
        EXPECT_EQ(std::count(e.err.begin(), e.err.end(), '\n'), 1) << e.err;
        EXPECT_FALSE(fs::exists(dir / "x.mid"));
    }
}
