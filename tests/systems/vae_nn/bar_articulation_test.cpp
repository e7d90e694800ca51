// Copied bars keep their source's onsets (issue 13: a repeat held over from the bar before is not heard as one).
#include <gtest/gtest.h>

#include "roll/operations.hpp"
#include "systems/vae_nn/bar_articulation.hpp"

using namespace quintet;

namespace {

// LPD-5 tracks at 4 steps per beat (16 steps a bar), `bars` bars long.
Multitrack song_of(std::size_t bars) { return empty_lpd5(bars * 16, 4); }

void hold(Track& t, int pitch, std::size_t from, std::size_t to) {
    for (std::size_t s = from; s < to; ++s) t.at(s, pitch) = 101;
}

}  // namespace

TEST(Restrike, EndsAHeldNoteAStepEarlySoANewOneStarts) {
    Track t = song_of(1).tracks[1];
    hold(t, 60, 0, 8);
    restrike(t, 4, 60);
    EXPECT_EQ(t.at(3, 60), 0);
    EXPECT_EQ(t.at(2, 60), 101);
    EXPECT_EQ(t.at(4, 60), 101);
    hold(t, 62, 6, 8);
    restrike(t, 6, 62);  // nothing held into step 6: unchanged
    EXPECT_EQ(t.at(5, 62), 0);
    EXPECT_EQ(t.at(6, 62), 101);
    restrike(t, 0, 60);   // the first step and steps past the end are left alone
    restrike(t, 99, 60);
    EXPECT_EQ(t.at(0, 60), 101);
}

TEST(RestrikeCopiedBars, ACopyStartsTheNotesItsSourceStarts) {
    // Piano (VAE-NN index 0, LPD-5 track 1): pitch 60 held through bars 0-3; pitch 64 held from the middle of bar 0
    // through bar 3 (no onset at bar 0's start). Bar 1 is a copy of bar 0 (lag 1), bar 3 a copy of bar 1 (lag 2),
    // bar 2 is the decoder's own. Drums (index 4, track 0) copied too but left alone.
    Multitrack song = song_of(4);
    Track& piano = song.tracks[1];
    hold(piano, 60, 0, 64);
    hold(piano, 64, 8, 64);
    hold(song.tracks[0], 36, 0, 64);
    std::vector<std::array<std::int8_t, 5>> copied(4, std::array<std::int8_t, 5>{});
    copied[1][0] = 1;
    copied[3][0] = 2;
    copied[1][4] = 1;
    restrike_copied_bars(song, copied);
    EXPECT_EQ(piano.at(15, 60), 0);    // bar 1 starts pitch 60 again, as bar 0 does
    EXPECT_EQ(piano.at(31, 60), 101);  // bar 2 is not a copy: held on
    EXPECT_EQ(piano.at(47, 60), 0);    // bar 3 copies bar 1, which now starts pitch 60: so does bar 3
    for (std::size_t s = 8; s < 64; ++s) EXPECT_EQ(piano.at(s, 64), 101) << "step " << s;  // never started at a bar line
    for (std::size_t s = 0; s < 64; ++s) EXPECT_EQ(song.tracks[0].at(s, 36), 101) << "step " << s;
    int cells = 0;
    for (std::size_t s = 0; s < 64; ++s) cells += piano.at(s, 60) > 0;
    EXPECT_EQ(cells, 62);
}
