// Corpus building from in-memory songs: resampling, skipping bad/empty/duplicate songs, metadata, stats.
#include "corpus/builder.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "roll/operations.hpp"

#include "corpus/lpd_metadata.hpp"
#include "corpus/split.hpp"
#include "corpus/stats.hpp"
#include "corpus/store.hpp"
#include "util/error.hpp"

namespace quintet {
namespace {
namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
    fs::path d = fs::temp_directory_path() / ("quintet_builder_test_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

// 48 steps at 24 per beat (two beats): a piano note (program 2) on pitch 60 over steps 0..11,
// a bass note (program 33) on pitch 40 at steps 24..35, a kick at step 30; tempo 100 then 150 bpm.
Multitrack sample_song() {
    Multitrack mt;
    mt.name = "sample";
    mt.resolution = 24;
    mt.tempo.assign(48, 100.0);
    for (int t = 24; t < 48; ++t) mt.tempo[t] = 150.0;
    Track piano{"keys", 2, false, {}}, bass{"bass", 33, false, {}}, drums{"kit", 0, true, {}};
    piano.resize_steps(48);
    bass.resize_steps(48);
    drums.resize_steps(48);
    for (int t = 0; t < 12; ++t) piano.at(t, 60) = 90;
    for (int t = 24; t < 36; ++t) bass.at(t, 40) = 70;
    drums.at(30, 36) = 127;
    mt.tracks = {piano, bass, drums};
    return mt;
}

SongJob job(const std::string& id, std::function<Multitrack()> load) {
    SongJob j;
    j.info.id = id;
    j.info.title = "T-" + id;
    j.info.licence = "MIT";
    j.info.origin = "test";
    j.source = id + ".mid";
    j.load = std::move(load);
    return j;
}

TEST(PrepareForStore, MergesResamplesAndPadsLikeTheVaePipeline) {
    double tempo = 0;
    const Multitrack s = prepare_for_store(sample_song(), 2, &tempo);
    // Harmonic mean of 24 x 100 and 24 x 150 bpm: 48 / (24/100 + 24/150) = 120.
    EXPECT_DOUBLE_EQ(tempo, 120.0);
    ASSERT_EQ(s.tracks.size(), 5u);
    EXPECT_EQ(s.resolution, 2);
    // Piano steps 0..11 -> 0, 1 (6 rounds to 0, 7..11 to 1); bass 24..35 -> 2, 3 (30 -> 2.5 -> 2);
    // kick 30 -> 2. Longest track ends at step 3, so every track is 4 steps long.
    for (const auto& t : s.tracks) EXPECT_EQ(t.steps(), 4u);
    EXPECT_EQ(s.tracks[1].at(0, 60), 90);
    EXPECT_EQ(s.tracks[1].at(1, 60), 90);
    EXPECT_EQ(s.tracks[1].nnz(), 2u);
    EXPECT_EQ(s.tracks[3].at(2, 40), 70);
    EXPECT_EQ(s.tracks[3].at(3, 40), 70);
    EXPECT_EQ(s.tracks[0].at(2, 36), 127);
    EXPECT_EQ(s.tracks[0].nnz(), 1u);
    EXPECT_TRUE(s.tracks[2].empty());
    EXPECT_TRUE(s.tracks[4].empty());

    double none = 0;
    Multitrack no_tempo = sample_song();
    no_tempo.tempo.clear();
    prepare_for_store(no_tempo, 4, &none);
    EXPECT_EQ(none, 120.0);
}

// The one-pass merge + resample equals the composition of the pypianoroll-style operations.
TEST(PrepareForStore, EqualsMergeThenSetResolutionThenPadToSame) {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 40; ++trial) {
        Multitrack mt;
        mt.resolution = 24;
        const std::size_t steps = 1 + rng() % 300;
        mt.tempo.resize(steps);
        for (auto& b : mt.tempo) b = 60 + rng() % 120;
        mt.downbeat.assign(steps, 0);
        for (std::size_t t = 0; t < steps; t += 96) mt.downbeat[t] = 1;
        const int tracks = 1 + static_cast<int>(rng() % 6);
        for (int k = 0; k < tracks; ++k) {
            Track t{"t", static_cast<int>(rng() % 128), rng() % 5 == 0, {}};
            t.resize_steps(rng() % (steps + 1));
            for (int n = 0; n < 40 && t.steps() > 0; ++n) t.at(rng() % t.steps(), static_cast<int>(rng() % 128)) = 1 + rng() % 127;
            mt.tracks.push_back(std::move(t));
        }
        for (int r : {1, 2, 4, 5, 24, 48}) {
            Multitrack want = merge_lpd5(mt);
            set_resolution(want, r);
            pad_to_same(want);
            const Multitrack got = prepare_for_store(mt, r);
            ASSERT_EQ(got.tracks.size(), 5u);
            EXPECT_EQ(got.resolution, r);
            EXPECT_EQ(got.tempo, want.tempo);
            EXPECT_EQ(got.downbeat, want.downbeat);
            for (int f = 0; f < 5; ++f) {
                EXPECT_EQ(got.tracks[f].roll, want.tracks[f].roll) << "trial " << trial << " r " << r << " family " << f;
                EXPECT_EQ(got.tracks[f].name, want.tracks[f].name);
                EXPECT_EQ(got.tracks[f].program, want.tracks[f].program);
                EXPECT_EQ(got.tracks[f].is_drum, want.tracks[f].is_drum);
            }
        }
    }
}

TEST(BuildStore, SkipsBadEmptyAndDuplicateSongsWithOneLineEach) {
    const fs::path dir = temp_dir("skips");
    std::vector<SongJob> jobs;
    jobs.push_back(job("good", sample_song));
    jobs.push_back(job("broken", []() -> Multitrack { throw FormatError("broken.mid", 14, "bad chunk"); }));
    jobs.push_back(job("empty", [] {
        Multitrack m = sample_song();
        for (auto& t : m.tracks) std::fill(t.roll.begin(), t.roll.end(), 0);
        return m;
    }));
    jobs.push_back(job("copy", sample_song));
    jobs.push_back(job("alloc", []() -> Multitrack { throw std::length_error("vector"); }));
    jobs.push_back(job("other", [] {
        Multitrack m = sample_song();
        m.tracks[0].at(40, 72) = 5;
        return m;
    }));

    char* log_buf = nullptr;
    std::size_t log_size = 0;
    std::FILE* log = open_memstream(&log_buf, &log_size);
    BuildOptions options;
    options.log = log;
    const BuildReport r = build_store(jobs, dir / "s.qstore", options);
    std::fclose(log);
    const std::string text(log_buf, log_size);
    std::free(log_buf);

    EXPECT_EQ(r.total, 6u);
    EXPECT_EQ(r.written, 2u);
    EXPECT_EQ(r.skipped, 2u);
    EXPECT_EQ(r.empty, 1u);
    EXPECT_EQ(r.duplicates, 1u);
    EXPECT_NE(text.find("warning: skipped broken.mid: broken.mid: byte 14: bad chunk\n"), std::string::npos) << text;
    EXPECT_NE(text.find("warning: skipped alloc.mid: vector\n"), std::string::npos) << text;
    EXPECT_NE(text.find("same music as good"), std::string::npos) << text;
    EXPECT_NE(text.find("6/6 songs"), std::string::npos) << text;

    const CorpusStore store = CorpusStore::open(dir / "s.qstore");
    ASSERT_EQ(store.size(), 2u);
    EXPECT_EQ(store.resolution(), 2);
    EXPECT_EQ(store.song(0).id, "good");
    EXPECT_EQ(store.song(0).title, "T-good");
    EXPECT_EQ(store.song(0).licence, "MIT");
    EXPECT_EQ(store.song(0).steps, 4u);
    EXPECT_DOUBLE_EQ(store.song(0).tempo, 120.0);
    EXPECT_EQ(store.song(0).split, split_for_id("good"));
    EXPECT_EQ(store.song(1).id, "other");
    EXPECT_EQ(store.song(1).steps, 4u);  // 40 * 2/24 = 3.33 -> 3
    EXPECT_EQ(store.roll(1, 1)[3 * 128 + 72], 5);
    EXPECT_EQ(store.roll(0, 3)[2 * 128 + 40], 70);
    EXPECT_EQ(r.split_counts[0] + r.split_counts[1] + r.split_counts[2], 2u);
    fs::remove_all(dir);
}

TEST(BuildStore, KeepDuplicatesOption) {
    const fs::path dir = temp_dir("dups");
    BuildOptions options;
    options.log = nullptr;
    options.skip_duplicates = false;
    const BuildReport r = build_store({job("a", sample_song), job("b", sample_song)}, dir / "s.qstore", options);
    EXPECT_EQ(r.written, 2u);
    EXPECT_EQ(r.duplicates, 0u);
    EXPECT_EQ(CorpusStore::open(dir / "s.qstore").size(), 2u);
    fs::remove_all(dir);
}

TEST(BuildStore, NothingStorableFailsAndWritesNothing) {
    const fs::path dir = temp_dir("none");
    std::vector<SongJob> jobs{job("bad", []() -> Multitrack { throw FormatError("x", "bad"); })};
    BuildOptions options;
    options.log = nullptr;
    EXPECT_THROW(build_store(jobs, dir / "s.qstore", options), FormatError);
    EXPECT_TRUE(fs::is_empty(dir));
    EXPECT_THROW(build_store({}, dir / "s.qstore", options), UsageError);
    options.resolution = 0;
    EXPECT_THROW(build_store({job("a", sample_song)}, dir / "s.qstore", options), UsageError);
    options.resolution = 2;
    EXPECT_THROW(build_store({job("a", sample_song)}, dir / "missing-dir" / "s.qstore", options), IoError);
    fs::remove_all(dir);
}

TEST(BuildStore, ResolutionFourAndStats) {
    const fs::path dir = temp_dir("stats");
    BuildOptions options;
    options.resolution = 4;
    options.log = nullptr;
    build_store({job("a", sample_song)}, dir / "s.qstore", options);
    const CorpusStore store = CorpusStore::open(dir / "s.qstore");
    ASSERT_EQ(store.size(), 1u);
    // At 4 per beat, t -> round(t/6): piano 0..3 -> 0 (3 is 0.5 -> 0), 4..8 -> 1, 9..11 -> 2 (9 is 1.5 -> 2);
    // bass 24..35 -> 4..6; kick 30 -> 5. So 7 steps.
    EXPECT_EQ(store.song(0).steps, 7u);
    const CorpusStats s = compute_stats(store);
    EXPECT_EQ(s.songs, 1u);
    EXPECT_EQ(s.steps, 7u);
    EXPECT_EQ(s.notes[0], 1u);  // kick
    EXPECT_EQ(s.notes[1], 1u);  // one run of pitch 60 over steps 0..2
    EXPECT_EQ(s.notes[3], 1u);
    EXPECT_EQ(s.empty_tracks[2], 1u);
    EXPECT_EQ(s.empty_tracks[4], 1u);
    EXPECT_EQ(s.empty_tracks[0], 0u);
    // 7 steps / 4 per beat = 1.75 beats at 120 bpm = 0.875 s.
    EXPECT_NEAR(s.hours * 3600.0, 0.875, 1e-12);
    const std::string text = format_stats(s);
    EXPECT_NE(text.find("songs        1"), std::string::npos) << text;
    EXPECT_NE(text.find("Strings"), std::string::npos) << text;
    fs::remove_all(dir);
}

TEST(Stats, CountNotesCountsRunsPerPitch) {
    std::vector<std::uint8_t> roll(5 * 128, 0);
    roll[0 * 128 + 10] = 1;  // run 0..1
    roll[1 * 128 + 10] = 2;
    roll[3 * 128 + 10] = 3;  // new run after a gap
    roll[4 * 128 + 11] = 4;
    roll[0 * 128 + 127] = 9;
    EXPECT_EQ(count_notes(roll.data(), 5), 4u);
    EXPECT_EQ(count_notes(roll.data(), 0), 0u);
}

// ---- LPD metadata ----

TEST(LpdMetadata, IdsAndBothJsonShapes) {
    const fs::path dir = temp_dir("meta");
    {
        std::ofstream(dir / "cleansed_ids.txt") << "0123456789abcdef0123456789abcdef    TRAAAGR128F425B14B\n\n"
                                                   "fedcba9876543210fedcba9876543210    TRAAAZF12903CCCF6B\n";
        std::ofstream(dir / "list.json")
            << R"([{"msd_id": "TRAAAGR128F425B14B", "artist": "Mariah Carey", "title": "Hero", "genre_tagtraum": ["Pop_Rock", "RnB"]},)"
            << R"( {"msd_id": "TRAAAZF12903CCCF6B", "artist": "Green Day", "genre_tagtraum": null}, 7])";
        std::ofstream(dir / "dict.json") << R"({"TRAAAGR128F425B14B": {"artist_name": "A", "title": "B", "genre": "Jazz"}})";
        std::ofstream(dir / "bad.json") << R"({"x": )";
        std::ofstream(dir / "bad_ids.txt") << "onlyonefield\n";
    }
    LpdMetadata m;
    m.load_ids(dir / "cleansed_ids.txt");
    EXPECT_EQ(m.id_count(), 2u);
    EXPECT_EQ(m.msd_for_md5("fedcba9876543210fedcba9876543210"), "TRAAAZF12903CCCF6B");
    EXPECT_EQ(m.msd_for_md5("nope"), "");
    m.load_json(dir / "list.json");
    ASSERT_NE(m.find("TRAAAGR128F425B14B"), nullptr);
    EXPECT_EQ(m.find("TRAAAGR128F425B14B")->artist, "Mariah Carey");
    EXPECT_EQ(m.find("TRAAAGR128F425B14B")->title, "Hero");
    EXPECT_EQ(m.find("TRAAAGR128F425B14B")->genre, "Pop_Rock, RnB");
    EXPECT_EQ(m.find("TRAAAZF12903CCCF6B")->genre, "");
    LpdMetadata d;
    d.load_json(dir / "dict.json");
    EXPECT_EQ(d.find("TRAAAGR128F425B14B")->artist, "A");
    EXPECT_EQ(d.find("TRAAAGR128F425B14B")->genre, "Jazz");
    EXPECT_THROW(d.load_json(dir / "bad.json"), FormatError);
    EXPECT_THROW(d.load_ids(dir / "bad_ids.txt"), FormatError);
    EXPECT_THROW(d.load_ids(dir / "missing.txt"), IoError);
    EXPECT_TRUE(is_msd_id("TRAAAGR128F425B14B"));
    EXPECT_FALSE(is_msd_id("TRAAAGR128F425B14"));
    EXPECT_TRUE(is_md5_hex("0123456789abcdef0123456789abcdef"));
    EXPECT_FALSE(is_md5_hex("0123456789ABCDEF0123456789abcdef"));
    fs::remove_all(dir);
}

}  // namespace
}  // namespace quintet
