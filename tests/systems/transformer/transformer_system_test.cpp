// The Transformer-XL system: training on a 16th-note store (and the one-line refusal of another resolution),
// generation through the key/value cache against recomputation, primers, reproducibility, split likelihood.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <fstream>

#include "corpus/store.hpp"
#include "corpus/store_writer.hpp"
#include "io/midi/midi_write.hpp"
#include "io/npz/npz.hpp"
#include "roll/operations.hpp"
#include "support/shared_data.hpp"
#include "support/tiny_store.hpp"
#include "systems/registry.hpp"
#include "systems/transformer/generator.hpp"
#include "systems/transformer/system.hpp"
#include "systems/transformer/trainer.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {
// A folder of the running test's own: ctest runs the tests of this file as parallel processes, and a shared
// folder ("trained") was removed by one while another read its checkpoint.
fs::path tmp_dir(const std::string& name) {
    auto p = test::fresh_test_path("transformer", name);
    fs::create_directories(p);
    return p;
}

// The tiny store's songs at 4 steps per beat.
fs::path sixteenth_store() {
    // One per process, for the same reason as tmp_dir.
    const auto path = fs::path(QUINTET_BINARY_DIR) / "test-tmp" / ("tiny16-" + std::to_string(::getpid()) + ".store");
    if (fs::exists(path)) return path;
    fs::create_directories(path.parent_path());
    write_store(path, 4, [](StoreWriter& w) {
        for (const auto& [name, split] : test::tiny_store_songs()) {
            SongInfo info;
            info.id = info.title = name;
            info.split = split;
            Multitrack mt = read_npz(test::shared_data_dir() / "lpd5" / (name + ".npz"));
            set_resolution(mt, 4);
            pad_to_same(mt);
            w.add(info, mt);
        }
    });
    return path;
}

TransformerTrainConfig tiny_config(const fs::path& run, int epochs) {
    TransformerTrainConfig c;
    c.corpus = sixteenth_store();
    c.run_dir = run;
    c.vocab = "musicautobot";  // the checks below read musicautobot ids
    c.layers = 1;
    c.d_model = 32;
    c.heads = 2;
    c.d_inner = 64;
    c.mem_len = 1024;
    c.bptt = 32;
    c.batch = 2;
    c.epochs = epochs;
    c.max_songs = 3;
    c.quiet = true;
    return c;
}

// One trained tiny run shared by the generation tests.
const fs::path& trained_run() {
    static const fs::path run = [] {
        auto r = tmp_dir("trained");
        train_transformer(tiny_config(r, 2), nullptr);
        return r;
    }();
    return run;
}
}  // namespace

TEST(TransformerSystem, RegisteredUnderBothNames) {
    EXPECT_EQ(make_system("transformer")->kind(), "transformer");
    EXPECT_EQ(make_system("transformer-xl")->kind(), "transformer");
}

TEST(TransformerSystem, RefusesAStoreAtAnotherResolution) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto c = tiny_config(tmp_dir("refuse"), 1);
    c.corpus = test::default_tiny_store();  // 2 steps per beat
    try {
        train_transformer(c, nullptr);
        FAIL() << "trained on a store at 2 steps per beat";
    } catch (const UsageError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("is at 2 steps per beat"), std::string::npos) << m;
        EXPECT_NE(m.find("quintet corpus build SRC -o STORE --resolution 4"), std::string::npos) << m;
        EXPECT_EQ(m.find('\n'), std::string::npos);
    }
    EXPECT_FALSE(fs::exists(c.run_dir / "model.pt"));
}

TEST(TransformerSystem, TrainsAndReportsPerplexityPerEpoch) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path& run = trained_run();
    EXPECT_TRUE(fs::exists(run / "model.pt"));
    EXPECT_TRUE(fs::exists(run / "last.pt"));
    std::ifstream in(run / "curve.csv");
    std::string header, row;
    std::getline(in, header);
    EXPECT_NE(header.find("valid_perplexity"), std::string::npos) << header;
    int rows = 0;
    while (std::getline(in, row)) ++rows;
    EXPECT_EQ(rows, 2);
}

TEST(TransformerSystem, SplitLikelihoodCountsEveryTokenOnceAndBeatsUniform) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    TransformerSystem system;
    const auto r = system.split_likelihood(trained_run(), sixteenth_store(), "valid", "cpu");
    ASSERT_TRUE(r.has_value());
    // The valid songs' tokens laid in one stream: every token but the first is predicted.
    auto store = CorpusStore::open(sixteenth_store());
    long long expected = 0;
    for (const auto& ids : split_tokens(store, Split::Valid, TokenVocab::musicautobot)) expected += (long long)ids.size();
    EXPECT_EQ(r->tokens, expected - 1);
    EXPECT_TRUE(std::isfinite(r->nll_per_token));
    EXPECT_LT(r->nll_per_token, std::log(312.0));  // two epochs learn more than a uniform guess
    EXPECT_THROW(system.split_likelihood(trained_run(), sixteenth_store(), "tests", "cpu"), UsageError);
}

TEST(TransformerSystem, CachedGenerationDrawsTheSameTokensAsRecomputation) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    TransformerGenerator gen(trained_run(), "cpu");
    ASSERT_TRUE(gen.fast_path());  // on the CPU each new token goes through the packed step
    TransformerSampleConfig cached, recompute;
    recompute.recompute = true;
    const auto a = gen.generate_ids({}, 16, 11, cached);
    const auto b = gen.generate_ids({}, 16, 11, recompute);
    gen.use_fast_path(false);
    const auto module_step = gen.generate_ids({}, 16, 11, cached);
    ASSERT_LE(a.size(), 1025u);  // within mem_len + 1: the cache then sees exactly the recomputed context
    EXPECT_GT(a.size(), 4u);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a, module_step);
    EXPECT_NE(gen.generate_ids({}, 16, 12, cached), a);  // another seed, another song
    // Every drawn id may follow its predecessor.
    for (std::size_t i = 3; i < a.size(); ++i) {
        int family = 1;
        EXPECT_TRUE(allowed_next(a[i - 1], family, TokenVocab::musicautobot)[std::size_t(a[i])]) << i;
    }
}

TEST(TransformerSystem, PrimerOpensTheSongAndTheSameSeedGivesTheSameBytes) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto store = CorpusStore::open(sixteenth_store());
    auto song = split_tokens(store, Split::Test, TokenVocab::musicautobot).at(0);
    std::vector<int> primer(song.begin(), song.begin() + 40);
    while (!tok::is_duration(primer.back())) primer.pop_back();
    TransformerGenerator gen(trained_run(), "cpu");
    const std::size_t primed = token_steps(primer).back();
    const auto ids = gen.generate_ids(primer, primed + 16, 5, {});
    ASSERT_GT(ids.size(), primer.size());
    EXPECT_EQ(std::vector<int>(ids.begin(), ids.begin() + long(primer.size())), primer);
    EXPECT_GE(token_steps(ids).back(), primed + 16);

    // Through the System: a MIDI primer, then the same seed twice.
    const auto dir = tmp_dir("primer");
    write_midi(tokens_to_multitrack(primer, TokenVocab::musicautobot), dir / "primer.mid");
    TransformerSystem system;
    auto sampler = system.open(trained_run(), "cpu");
    auto settings = system.sample_settings();
    SampleRequest req;
    req.bars = 2;
    req.seed = 9;
    req.prime = dir / "primer.mid";
    const auto one = encode_midi(sampler->sample(req, *settings)), two = encode_midi(sampler->sample(req, *settings));
    EXPECT_EQ(one, two);
    const Multitrack song_out = sampler->sample(req, *settings);
    const auto notes = vocab_notes(song_out, TokenVocab::musicautobot);
    // The primer as the MIDI file holds it (in a roll, a note that ends where the next of its pitch starts joins it).
    const auto primer_notes = vocab_notes(tokens_to_multitrack(primer, TokenVocab::musicautobot), TokenVocab::musicautobot);
    ASSERT_FALSE(primer_notes.empty());
    for (const auto& n : primer_notes) {  // each primer note opens the song (a later draw may lengthen one)
        bool found = false;
        for (const auto& m : notes) found = found || (m.start == n.start && m.pitch == n.pitch);
        EXPECT_TRUE(found) << "primer note " << n.pitch << " at " << n.start;
    }
}

TEST(TransformerSystem, ResumeEqualsUninterruptedTraining) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto read = [](const fs::path& run) {
        std::ifstream in(run / "curve.csv");
        std::vector<std::string> rows;
        for (std::string line; std::getline(in, line);) rows.push_back(line.substr(0, line.find(',', line.find(',', line.find(',', line.find(',') + 1) + 1) + 1)));
        return rows;  // without the timing columns: stage, epoch, epochs, train_loss, valid_loss ... up to valid_loss
    };
    const auto whole = tmp_dir("whole"), parts = tmp_dir("parts");
    train_transformer(tiny_config(whole, 2), nullptr);
    auto first = tiny_config(parts, 2);
    const auto stopped = train_transformer(first, [](const EpochRecord&) { return false; });
    EXPECT_FALSE(stopped.finished);
    first.resume = true;
    const auto resumed = train_transformer(first, nullptr);
    EXPECT_TRUE(resumed.finished);
    EXPECT_EQ(resumed.epochs, 2);
    EXPECT_EQ(read(whole), read(parts));
    EXPECT_THROW(train_transformer(tiny_config(whole, 2), nullptr), UsageError);  // no --resume: refused
}
