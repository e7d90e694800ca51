// The note GRU trained on the tiny store (real songs from ../shared/data/lpd5): the loss falls, the run
// directory holds what generation needs, the saved weights reproduce the recorded valid NLL, --resume equals
// an uninterrupted run, the same seed gives the same MIDI bytes, a primer opens the song, and the split NLL
// equals the network written out by hand.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <map>

#include "corpus/song_loader.hpp"
#include "corpus/store_writer.hpp"
#include "io/midi/midi_write.hpp"
#include "naive_gru.hpp"
#include "runs/run_dir.hpp"
#include "support/tiny_store.hpp"
#include "systems/note_gru/generator.hpp"
#include "systems/note_gru/model.hpp"
#include "systems/note_gru/system.hpp"
#include "systems/note_gru/token_corpus.hpp"
#include "systems/note_gru/trainer.hpp"
#include "systems/registry.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {

// ctest runs the tests of this file as parallel processes: each gets its own directory, removed at exit.
struct ProcessDir {
    fs::path path = fs::path(QUINTET_BINARY_DIR) / "test-tmp" / ("note-gru-" + std::to_string(::getpid()));
    ~ProcessDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};
fs::path fresh(const std::string& name) {
    static ProcessDir dir;
    fs::remove_all(dir.path / name);
    fs::create_directories(dir.path);
    return dir.path / name;
}

NoteGruTrainConfig tiny_config(const fs::path& run, int epochs, const std::string& tokens = "steps") {
    NoteGruTrainConfig c;
    c.corpus = test::default_tiny_store();
    c.run_dir = run;
    c.tokens = tokens;
    c.embedding = 8;
    c.hidden = 16;
    c.window = 32;
    c.batch = 8;
    c.epochs = epochs;
    c.lr = 0.01;
    c.min_count = 1;
    c.quiet = true;
    return c;
}

// One trained run per token scheme, shared by the tests (3 epochs).
const fs::path& trained_run(const std::string& tokens) {
    static std::map<std::string, fs::path> runs;
    auto it = runs.find(tokens);
    if (it != runs.end()) return it->second;
    const fs::path run = fresh("run-" + tokens);
    train_note_gru(tiny_config(run, 3, tokens));
    return runs[tokens] = run;
}

fs::path prime_file() { return test::shared_data_dir() / "lpd5" / "mma__solo_solo.npz"; }

}  // namespace

TEST(NoteGruTraining, LossFallsAndTheRunDirectoryHoldsEverything) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path& run = trained_run("steps");
    const auto info = read_note_gru_run_info(run);
    EXPECT_EQ(info.model, "note-rnn");
    EXPECT_EQ(describe_run(run).kind, "note-rnn");
    const NoteVocabulary vocabulary = NoteVocabulary::load(run / kVocabularyFile);
    EXPECT_EQ(vocabulary.size(), info.vocabulary);
    EXPECT_GT(vocabulary.id(kHoldToken), 0);
    EXPECT_GT(vocabulary.id(kRestToken), 0);
    for (const char* f : {"config.json", "model.json", "model.pt", "last.pt", "curve.csv", "curve.png"})
        EXPECT_TRUE(fs::exists(run / f)) << f;

    CurveFile curve(run / "curve.csv", {"train_nll", "valid_nll"});
    curve.load_until(1, 3);
    ASSERT_EQ(curve.rows().size(), 3u);
    const double uniform = std::log(double(vocabulary.size()));
    EXPECT_LT(curve.rows().back().train_loss, curve.rows().front().train_loss);
    EXPECT_LT(curve.rows().back().valid_loss, curve.rows().front().valid_loss);
    EXPECT_LT(curve.rows().back().valid_loss, 0.7 * uniform);  // far better than guessing among the tokens
}

TEST(NoteGruTraining, SavedWeightsReproduceTheRecordedValidNll) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path& run = trained_run("steps");
    CurveFile curve(run / "curve.csv", {"train_nll", "valid_nll"});
    curve.load_until(1, 3);
    double best = 1e300;
    for (const auto& r : curve.rows()) best = std::min(best, r.valid_loss);
    auto system = make_system("note-gru");  // the alias
    const auto valid = system->split_likelihood(run, test::default_tiny_store(), "valid", "cpu");
    ASSERT_TRUE(valid.has_value());
    EXPECT_NEAR(valid->nll_per_token, best, 1e-7 * best);  // model.pt holds the best epoch's weights (curve.csv: 8 digits)
}

TEST(NoteGruTraining, SplitLikelihoodEqualsTheHandComputation) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    for (const std::string tokens : {"steps", "events"}) {
        const fs::path& run = trained_run(tokens);
        const auto info = read_note_gru_run_info(run);
        const NoteVocabulary vocabulary = NoteVocabulary::load(run / kVocabularyFile);
        const auto store = CorpusStore::open(test::default_tiny_store());
        std::vector<std::vector<std::int64_t>> ids;
        for (const auto& song : split_tokens(store, Split::Test, note_gru_family(info.track), info.tokens).tokens)
            ids.push_back(vocabulary.encode(song));
        NoteGruNet net = load_run_net(run, torch::kCPU);
        test::NaiveGru naive(net);
        const auto [sum, count] = naive.nll(ids);
        ASSERT_GT(count, 0) << tokens;
        const auto got = make_system("note-rnn")->split_likelihood(run, test::default_tiny_store(), "test", "cpu");
        ASSERT_TRUE(got.has_value());
        EXPECT_EQ(got->tokens, count);
        EXPECT_NEAR(got->nll_per_token, sum / double(count), 1e-5) << tokens;
    }
}

TEST(NoteGruTraining, ResumeEqualsAnUninterruptedRun) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path a = fresh("resume-a"), b = fresh("resume-b");
    auto c = tiny_config(a, 2);
    c.max_windows = 12;
    train_note_gru(c);
    auto d = c;
    d.run_dir = b;
    const auto r = train_note_gru(d, [](const EpochRecord& e) { return e.epoch < 1; });  // interrupted after epoch 1
    EXPECT_FALSE(r.finished);
    EXPECT_THROW(train_note_gru(d), UsageError);  // an existing run needs --resume
    d.resume = true;
    EXPECT_TRUE(train_note_gru(d).finished);
    CurveFile ca(a / "curve.csv", {"train_nll", "valid_nll"}), cb(b / "curve.csv", {"train_nll", "valid_nll"});
    ca.load_until(1, 2);
    cb.load_until(1, 2);
    ASSERT_EQ(ca.rows().size(), 2u);
    ASSERT_EQ(cb.rows().size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(ca.rows()[i].train_loss, cb.rows()[i].train_loss) << i;
        EXPECT_EQ(ca.rows()[i].valid_loss, cb.rows()[i].valid_loss) << i;
    }
    auto e = d;
    e.hidden = 12;  // another network in the same directory
    EXPECT_THROW(train_note_gru(e), UsageError);
}

TEST(NoteGruGeneration, SameSeedSameMidiBytes) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path& run = trained_run("steps");
    NoteGruGenerateOptions o;
    o.bars = 8;
    o.seed = 7;
    NoteGruGenerator one(run), two(run);
    const std::string a = encode_midi(one.generate(o)), b = encode_midi(two.generate(o));
    EXPECT_EQ(a, b);
    EXPECT_EQ(encode_midi(one.generate(o)), a);  // a sampler is reusable
    o.seed = 8;
    EXPECT_NE(encode_midi(one.generate(o)), a);

    const Multitrack song = one.generate(o);
    ASSERT_EQ(song.tracks.size(), 1u);
    EXPECT_EQ(song.tracks[0].name, "Piano");
    EXPECT_EQ(song.resolution, 2);
    EXPECT_EQ(song.tracks[0].steps(), 8u * 8u);  // 8 bars of 8 eighths
    EXPECT_FALSE(song.tracks[0].empty());
    o.greedy = true;
    EXPECT_EQ(encode_midi(one.generate(o)), encode_midi(two.generate(o)));
}

TEST(NoteGruGeneration, PrimerNotesOpenTheSong) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const Track prime = song_track(load_song_file(prime_file()), 1, 2);
    ASSERT_GT(prime.nnz(), 0u);
    NoteGruGenerator steps(trained_run("steps"));
    NoteGruGenerateOptions o;
    o.bars = 6;
    o.prime = prime_file();
    o.prime_bars = 2;
    const Multitrack song = steps.generate(o);
    ASSERT_EQ(song.tracks[0].steps(), 48u);
    const std::size_t n = 16 * kPitches;  // 2 bars at 2 steps per beat, exactly the file's notes
    EXPECT_TRUE(std::equal(prime.roll.begin(), prime.roll.begin() + std::ptrdiff_t(n), song.tracks[0].roll.begin()));
    // Without --prime-bars, all of the file (up to the song's length).
    o.prime_bars = -1;
    o.bars = 200;
    const Multitrack whole = steps.generate(o);
    ASSERT_LT(prime.roll.size(), whole.tracks[0].roll.size());
    EXPECT_TRUE(std::equal(prime.roll.begin(), prime.roll.end(), whole.tracks[0].roll.begin()));

    // Events: the song's onset sets begin with the primer's.
    NoteGruGenerator events(trained_run("events"));
    o.bars = 6;
    o.prime_bars = 2;
    const auto primer = events.primer(o);
    const NoteTokenSpec spec{TokenScheme::Events, ChordTokens::Pitches, 2};
    Track cut = prime;
    cut.resize_steps(16);
    EXPECT_EQ(primer.tokens, encode_track(cut, spec));
    const Multitrack ev = events.generate(o);
    EXPECT_EQ(ev.resolution, 4);
    EXPECT_EQ(ev.tracks[0].steps(), 6u * 16u);
    const auto out = encode_track(ev.tracks[0], NoteTokenSpec{TokenScheme::Events, ChordTokens::Pitches, 4});
    ASSERT_GE(out.size(), primer.tokens.size());
    EXPECT_TRUE(std::equal(primer.tokens.begin(), primer.tokens.end(), out.begin()));

    // From the corpus (by seed), and with no primer at all.
    o.prime.clear();
    o.prime_bars = -1;
    EXPECT_EQ(steps.primer(o).tokens.size(), 16u);  // 2 bars of a train song
    o.prime_bars = 0;
    EXPECT_EQ(steps.primer(o).tokens.size(), 1u);   // one token from the train counts
    EXPECT_NE(steps.primer(o).tokens[0], kUnknownToken);
}

TEST(NoteGruSystem, ForeignRunsAndCheckpointsAreOneLineErrors) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path dir = fresh("foreign");
    fs::create_directories(dir);
    write_file_atomically(dir / "config.json", "{\"model\": \"vae-nn\", \"corpus\": \"/nowhere.qstore\"}\n");
    write_file_atomically(dir / "model.json", "{\"model\": \"vae-nn\", \"format\": 1}\n");
    auto system = make_system("note-rnn");
    try {
        system->open(dir, "cpu");
        ADD_FAILURE() << "opened a VAE-NN run";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("holds a 'vae-nn' model, not a note-rnn"), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
    auto c = tiny_config(dir, 1);
    try {
        train_note_gru(c);
        ADD_FAILURE() << "trained into a VAE-NN run";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("holds a vae-nn run"), std::string::npos) << e.what();
    }
    // A checkpoint of another kind under a note-rnn model.json.
    const fs::path run = fresh("swapped");
    fs::copy(trained_run("steps"), run, fs::copy_options::recursive);
    torch::serialize::OutputArchive archive;
    archive.write("kind_vae_nn", torch::tensor(std::int64_t(1)));
    archive.save_to((run / "model.pt").string());
    try {
        NoteGruGenerator g(run);
        ADD_FAILURE() << "loaded a foreign checkpoint";
    } catch (const FormatError& e) {
        EXPECT_NE(std::string(e.what()).find("not a note-RNN checkpoint"), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
}

TEST(NoteGruSystem, BadOptionsAreUsageErrors) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    auto system = make_system("note-rnn");
    auto train = system->train_settings();
    EXPECT_THROW(set_option(train->options(), "--tokens", "bars"), UsageError);
    EXPECT_THROW(set_option(train->options(), "--track", "flute"), UsageError);
    EXPECT_THROW(set_option(train->options(), "--chord-tokens", "octave"), UsageError);
    EXPECT_THROW(set_option(train->options(), "--batch", "many"), UsageError);
    EXPECT_THROW(set_option(train->options(), "--no-such", "1"), UsageError);
    for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"--batch", "0"}, {"--window", "1"}, {"--lr", "-1"}, {"--layers", "0"}, {"--min-count", "0"},
             {"--resolution", "0"}, {"--lr-decay", "1.5"}, {"--epochs", "-1"}}) {
        auto settings = system->train_settings();
        set_option(settings->options(), name, value);
        TrainRequest request;
        request.corpus = "/nowhere.qstore";
        request.run_dir = fresh("bad-option");
        request.quiet = true;
        EXPECT_THROW(system->train(request, *settings), UsageError) << name << " " << value;
    }
    auto sample = system->sample_settings();
    EXPECT_THROW(set_option(sample->options(), "--temperature", "hot"), UsageError);
    for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"--temperature", "0"}, {"--top-k", "-1"}, {"--top-p", "2"}, {"--prime-bars", "-3"}}) {
        auto settings = system->sample_settings();
        set_option(settings->options(), name, value);
        NoteGruGenerateOptions o = dynamic_cast<NoteGruSampleSettings&>(*settings).resolve(SampleRequest{});
        NoteGruGenerator g(trained_run("steps"));
        EXPECT_THROW(g.generate(o), UsageError) << name << " " << value;
    }
    SampleRequest zero;
    zero.bars = 0;
    EXPECT_THROW(dynamic_cast<NoteGruSampleSettings&>(*sample).resolve(zero), UsageError);
}

TEST(NoteGruSystem, AnInstrumentWithoutNotesIsAClearError) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    // A store of songs with piano only: guitar has no note anywhere.
    const fs::path store = fresh("piano-only.store");
    write_store(store, 2, [](StoreWriter& w) {
        int i = 0;
        for (const auto& [name, split] : test::tiny_store_songs()) {
            Multitrack song = test::load_lpd5_at_resolution_2(name);
            for (std::size_t t = 0; t < song.tracks.size(); ++t)
                if (t != 1) std::fill(song.tracks[t].roll.begin(), song.tracks[t].roll.end(), 0);
            SongInfo info;
            info.id = name + std::to_string(i++);
            info.split = split;
            w.add(info, song);
        }
    });
    auto c = tiny_config(fresh("no-guitar"), 1);
    c.corpus = store;
    c.track = "guitar";
    try {
        train_note_gru(c);
        ADD_FAILURE() << "trained on no notes";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("has a note on the guitar track"), std::string::npos) << e.what();
    }
    // A primer file without the run's instrument.
    NoteGruGenerator g(trained_run("steps"));
    NoteGruGenerateOptions o;
    o.prime = fresh("drums.mid");
    Multitrack drums = empty_lpd5(16, 2);
    drums.tracks[0].at(0, 36) = 100;
    write_midi(drums, o.prime);
    EXPECT_THROW(g.generate(o), UsageError);
}
