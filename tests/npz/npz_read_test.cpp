// read_npz against the LPD-5 reference files: every count must equal lpd5/manifest.csv.
#include <gtest/gtest.h>

#include <algorithm>

#include "io/npz/npz.hpp"
#include "manifest.hpp"
#include "support/shared_data.hpp"

namespace quintet {
namespace {

namespace fs = std::filesystem;
const char* kFamilies[] = {"Drums", "Piano", "Guitar", "Bass", "Strings"};
const int kPrograms[] = {0, 0, 24, 32, 48};

TEST(NpzRead, EveryLpd5FileMatchesTheManifest) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5/manifest.csv");
    const fs::path dir = test::shared_data_dir() / "lpd5";
    auto rows = test::read_csv(dir / "manifest.csv");
    int checked = 0;
    for (const auto& row : rows) {
        if (row.at("converted") != "True") continue;
        const fs::path file = dir / (row.at("name") + ".npz");
        SCOPED_TRACE(file.string());
        Multitrack mt = read_npz(file);
        ASSERT_EQ(mt.tracks.size(), 5u);
        EXPECT_EQ(mt.resolution, std::stoi(row.at("beat_resolution")));
        EXPECT_EQ(mt.name, row.at("name"));
        const std::size_t T = std::stoul(row.at("T"));
        EXPECT_EQ(mt.tempo.size(), T);
        EXPECT_DOUBLE_EQ(mt.tempo.at(0), std::stod(row.at("tempo_first")));
        for (int i = 0; i < 5; ++i) {
            const Track& tr = mt.tracks[i];
            EXPECT_EQ(tr.name, kFamilies[i]);
            EXPECT_EQ(tr.program, kPrograms[i]);
            EXPECT_EQ(tr.is_drum, i == 0);
            const std::size_t nnz = std::stoul(row.at(std::string("nnz_") + kFamilies[i]));
            EXPECT_EQ(tr.nnz(), nnz) << kFamilies[i];
            // LPD stores an empty family as a (0, 128) roll; a non-empty one has all T steps.
            EXPECT_EQ(tr.steps(), nnz == 0 ? 0 : T) << kFamilies[i];
            EXPECT_TRUE(std::all_of(tr.roll.begin(), tr.roll.end(), [](std::uint8_t v) { return v <= 127; }));
        }
        if (row.at("n_downbeats").empty()) {
            EXPECT_TRUE(mt.downbeat.empty());
        } else {
            EXPECT_EQ(mt.downbeat.size(), T);
            EXPECT_EQ(static_cast<std::size_t>(std::count(mt.downbeat.begin(), mt.downbeat.end(), 1)),
                      std::stoul(row.at("n_downbeats")));
        }
        ++checked;
    }
    EXPECT_EQ(checked, 191);
}

TEST(NpzRead, Pypianoroll1LayoutReadsLikeTheOriginal) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5-v1");
    const fs::path v1 = test::shared_data_dir() / "lpd5-v1";
    int checked = 0;
    for (const auto& entry : fs::directory_iterator(v1)) {
        if (entry.path().extension() != ".npz") continue;
        SCOPED_TRACE(entry.path().string());
        Multitrack a = read_npz(entry.path());
        Multitrack b = read_npz(test::shared_data_dir() / "lpd5" / entry.path().filename());
        EXPECT_EQ(a.name, b.name);
        EXPECT_EQ(a.resolution, b.resolution);
        EXPECT_EQ(a.tempo, b.tempo);
        EXPECT_EQ(a.downbeat, b.downbeat);
        ASSERT_EQ(a.tracks.size(), b.tracks.size());
        for (std::size_t i = 0; i < a.tracks.size(); ++i) {
            EXPECT_EQ(a.tracks[i].name, b.tracks[i].name);
            EXPECT_EQ(a.tracks[i].program, b.tracks[i].program);
            EXPECT_EQ(a.tracks[i].is_drum, b.tracks[i].is_drum);
            EXPECT_TRUE(a.tracks[i].roll == b.tracks[i].roll) << "track " << i;
        }
        ++checked;
    }
    EXPECT_EQ(checked, 5);
}

}  // namespace
}  // namespace quintet
