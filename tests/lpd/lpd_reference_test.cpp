// midi_to_lpd5 against the 191 LPD-5 files made by the original LPD code from the same MIDI files.
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include "../npz/manifest.hpp"
#include "io/lpd/lpd_convert.hpp"
#include "io/midi/midi.hpp"
#include "support/shared_data.hpp"
#ifdef QUINTET_HAVE_ZIP
#include "io/npz/npz.hpp"
#endif

namespace quintet {
namespace {

namespace fs = std::filesystem;

// manifest `source` "debian-mma-examples/lyrics/twinkle3.mid" -> midi/mma/lyrics_twinkle3.mid
// (paths flattened with '_'); the MidiTok files keep their base name.
fs::path source_midi(const test::CsvRow& row) {
    static const std::map<std::string, std::string> folder = {
        {"freedoom", "freedoom"}, {"openmsx", "openmsx"}, {"blupi", "blupi"}, {"mma", "mma"}, {"miditok", "lmd-multitrack"}};
    const std::string& name = row.at("name");
    const fs::path dir = test::shared_data_dir() / "midi" / folder.at(name.substr(0, name.find("__")));
    std::string rel = row.at("source").substr(row.at("source").find('/') + 1);
    std::string flat = rel;
    std::replace(flat.begin(), flat.end(), '/', '_');
    if (fs::exists(dir / flat)) return dir / flat;
    return dir / fs::path(rel).filename();
}

// Empty string when equal, else what differs.
std::string compare(const Multitrack& ours, const Multitrack& ref) {
    std::ostringstream out;
    if (ours.steps() != ref.steps()) out << " T " << ours.steps() << " vs " << ref.steps() << ";";
    if (ours.tempo != ref.tempo) {
        std::size_t diff = 0;
        for (std::size_t i = 0; i < std::min(ours.tempo.size(), ref.tempo.size()); ++i) diff += ours.tempo[i] != ref.tempo[i];
        out << " tempo differs at " << diff << " steps;";
    }
    if (ours.downbeat != ref.downbeat) out << " downbeat differs;";
    for (std::size_t k = 0; k < ref.tracks.size() && k < ours.tracks.size(); ++k) {
        const Track& a = ours.tracks[k];
        const Track& b = ref.tracks[k];
        if (a.roll == b.roll) continue;
        std::size_t cells = 0, n = std::min(a.roll.size(), b.roll.size());
        for (std::size_t i = 0; i < n; ++i) cells += a.roll[i] != b.roll[i];
        out << " " << b.name << ": nnz " << a.nnz() << " vs " << b.nnz() << ", " << cells << " cells differ;";
    }
    return out.str();
}

// Every converted file of the manifest (191, all the .npz files of lpd5/) is identical to its reference.
TEST(LpdReference, EveryManifestFileMatchesExactly) {
#ifndef QUINTET_HAVE_ZIP
    // A configure-time choice: a plain skip even in strict mode (support/skip_or_fail.hpp).
    GTEST_SKIP() << "built without npz support (QUINTET_WITH_ZIP=OFF)";
#else
    QUINTET_REQUIRE_SHARED_DATA("lpd5/manifest.csv");
    QUINTET_REQUIRE_SHARED_DATA("midi");
    auto rows = test::read_csv(test::shared_data_dir() / "lpd5/manifest.csv");
    int total = 0, exact = 0;
    for (const auto& row : rows) {
        if (row.at("converted") != "True") continue;
        ++total;
        const fs::path midi_path = source_midi(row);
        Multitrack ref = read_npz(test::shared_data_dir() / "lpd5" / (row.at("name") + ".npz"));
        std::string diff;
        try {
            MidiFile midi = read_midi(midi_path, {NotePairing::pretty_midi});
            diff = compare(midi_to_lpd5(midi), ref);
        } catch (const std::exception& e) {
            diff = std::string(" error: ") + e.what();
        }
        if (diff.empty()) ++exact;
        else std::printf("MISMATCH %s:%s\n", row.at("name").c_str(), diff.c_str());
    }
    std::printf("exact match: %d / %d files (%.1f%%)\n", exact, total, 100.0 * exact / total);
    // The manifest lists every reference file on disk, so none escapes the comparison.
    int on_disk = 0;
    for (const auto& e : fs::directory_iterator(test::shared_data_dir() / "lpd5")) on_disk += e.path().extension() == ".npz";
    EXPECT_EQ(total, 191);
    EXPECT_EQ(on_disk, total) << ".npz files in lpd5/ vs converted rows of the manifest";
    EXPECT_EQ(exact, total) << exact << " of " << total << " files match exactly (mismatches printed above)";
#endif
}

}  // namespace
}  // namespace quintet
