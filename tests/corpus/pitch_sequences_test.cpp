// corpus/pitch_sequences: the Boulanger-Lewandowski JSON form read into a store, checked on a hand-written file,
// on the JSB Chorales file itself (sizes of the standard split), and on damaged files (one line, byte offset).
#include "corpus/pitch_sequences.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/shared_data.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {
fs::path temp_path(const std::string& name) { return fs::temp_directory_path() / ("pitchseq_" + std::to_string(::getpid()) + "_" + name); }
}  // namespace

TEST(PitchSequences, ParseAHandWrittenFile) {
    const auto d = parse_pitch_sequences(R"({"test": [[[60, 64.0], []]], "train": [[[21], [108, 60]], [[]]], "valid": []})", "x.json");
    ASSERT_EQ(d.splits[0].size(), 2u);
    EXPECT_EQ(d.splits[0][0], (PitchSequence{{21}, {108, 60}}));
    EXPECT_EQ(d.splits[0][1], (PitchSequence{{}}));
    EXPECT_TRUE(d.splits[1].empty());
    EXPECT_EQ(d.splits[2][0], (PitchSequence{{60, 64}, {}}));
}

TEST(PitchSequences, DamagedTextIsOneLineWithTheByteOffset) {
    const std::string good = R"({"train": [[[60, 64], [62]]]})";
    for (std::size_t cut : {std::size_t(1), std::size_t(12), good.size() - 1}) {
        try {
            parse_pitch_sequences(good.substr(0, cut), "cut.json");
            ADD_FAILURE() << "accepted a file cut at " << cut;
        } catch (const FormatError& e) {
            const std::string m = e.what();
            EXPECT_EQ(m.find('\n'), std::string::npos) << m;
            EXPECT_NE(m.find("cut.json: byte "), std::string::npos) << m;
            EXPECT_NE(m.find("truncated"), std::string::npos) << m;
        }
    }
    for (const char* bad : {R"({"train": [[[60, 64], [6a]]]})", R"({"train": [[[60.5]]]})", R"({"train": [[[128]]]})",
                            R"({"train": [[[-1]]]})", R"({"tran": []})", R"({"train": [], "train": []})", R"([1, 2])",
                            R"({"train": [[[60]]]} x)", R"({"train": [[60]]})"}) {
        EXPECT_THROW(parse_pitch_sequences(bad, "bad.json"), FormatError) << bad;
    }
}

TEST(PitchSequences, JsbChoralesGiveTheStandardSplitAsAStore) {
    QUINTET_REQUIRE_SHARED_DATA("jsb-chorales");
    const fs::path json = test::shared_data_dir() / "jsb-chorales" / "jsb-chorales-quarter.json";
    const fs::path store_path = temp_path("jsb.store");
    PitchSequenceStoreOptions o;
    EXPECT_EQ(write_pitch_sequence_store(json, store_path, o), 229u + 76u + 77u);
    const auto store = CorpusStore::open(store_path);
    const auto data = parse_pitch_sequences(read_file(json), json.string());
    EXPECT_EQ(store.resolution(), 1);
    std::size_t steps[3] = {0, 0, 0}, songs[3] = {0, 0, 0};
    bool same = true;
    for (std::size_t i = 0; i < store.size(); ++i) {
        const auto& info = store.song(i);
        const int s = int(info.split);
        const auto& seq = data.splits[std::size_t(s)][songs[s]];
        ++songs[s];
        steps[s] += info.steps;
        ASSERT_EQ(info.steps, seq.size()) << info.id;
        // Every note of the file is in the piano track, and nothing else is.
        std::size_t notes = 0, cells = 0;
        for (const auto& step : seq) notes += step.size();
        for (int f = 0; f < 5; ++f)
            for (std::size_t c = 0; c < info.steps * 128; ++c) cells += store.roll(i, f)[c] != 0;
        for (std::size_t t = 0; t < seq.size(); ++t)
            for (int p : seq[t]) same = same && store.roll(i, 1)[t * 128 + std::size_t(p)] == 100;
        EXPECT_EQ(cells, notes) << info.id;
    }
    EXPECT_TRUE(same);
    EXPECT_EQ(songs[0], 229u);
    EXPECT_EQ(songs[1], 76u);
    EXPECT_EQ(songs[2], 77u);
    EXPECT_EQ(steps[0], 13807u);  // the test split: 4725 steps, the count every published NLL averages over
    EXPECT_EQ(steps[1], 4602u);
    EXPECT_EQ(steps[2], 4725u);
    fs::remove(store_path);
}

TEST(PitchSequences, AFailedImportLeavesNoStore) {
    const fs::path json = temp_path("broken.json"), store = temp_path("broken.store");
    write_file_atomically(json, R"({"train": [[[60, 64], [62)");
    EXPECT_THROW(write_pitch_sequence_store(json, store, {}), FormatError);
    EXPECT_FALSE(fs::exists(store));
    fs::remove(json);
}
