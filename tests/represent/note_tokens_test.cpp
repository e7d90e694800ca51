// represent/note_tokens: hand-built tracks with the tokens written out by hand, round trips both ways, the
// vocabulary's file, and a property on every ../shared/data/lpd5 song: decoding the steps tokens keeps every
// onset of the song and re-encodes to the same tokens.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "io/npz/npz.hpp"
#include "represent/note_tokens.hpp"
#include "roll/notes.hpp"
#include "roll/operations.hpp"
#include "support/shared_data.hpp"
#include "support/tiny_store.hpp"
#include "util/error.hpp"

using namespace quintet;
using Tokens = std::vector<std::string>;

namespace {

Track track_of(std::size_t steps) {
    Track t;
    t.resize_steps(steps);
    return t;
}
void note(Track& t, int pitch, std::size_t start, std::size_t length, std::uint8_t velocity = kTokenVelocity) {
    for (std::size_t s = start; s < start + length; ++s) t.at(s, pitch) = velocity;
}
NoteTokenSpec steps_spec(ChordTokens c = ChordTokens::Pitches) { return {TokenScheme::Steps, c, 2}; }
NoteTokenSpec events_spec(ChordTokens c = ChordTokens::Pitches) { return {TokenScheme::Events, c, 2}; }

std::set<std::pair<std::size_t, int>> onsets(const Track& t) {
    std::set<std::pair<std::size_t, int>> out;
    for (const Note& n : track_notes(t)) out.insert({n.start, n.pitch});
    return out;
}

}  // namespace

TEST(NoteTokens, PitchTokensFollowMusic21) {
    EXPECT_EQ(pitch_token(60), "C4");
    EXPECT_EQ(pitch_token(61), "C#4");
    EXPECT_EQ(pitch_token(0), "C-1");
    EXPECT_EQ(pitch_token(127), "G9");
    EXPECT_EQ(pitch_token(69), "A4");
    for (int p = 0; p < 128; ++p) EXPECT_EQ(parse_pitch_token(pitch_token(p)), p) << p;
    for (const char* bad : {"", "H4", "C", "C#", "c4", "C4x", "G#9", "C-2", "4"}) EXPECT_EQ(parse_pitch_token(bad), -1) << bad;
}

TEST(NoteTokens, OnsetTokensWithAndWithoutOctaves) {
    EXPECT_EQ(onset_token({61}, ChordTokens::Pitches), "C#4");
    EXPECT_EQ(onset_token({61}, ChordTokens::PitchClasses), "C#4");  // single notes keep the octave (the original)
    EXPECT_EQ(onset_token({60, 64, 67}, ChordTokens::Pitches), "C4.E4.G4");
    EXPECT_EQ(onset_token({60, 64, 67}, ChordTokens::PitchClasses), "0.4.7");
    EXPECT_EQ(onset_token({55, 60, 64}, ChordTokens::PitchClasses), "0.4.7");  // G3 C4 E4: classes ascending
    EXPECT_EQ(token_pitches("C4.E4.G4"), (std::vector<int>{60, 64, 67}));
    EXPECT_EQ(token_pitches("0.4.7"), (std::vector<int>{60, 64, 67}));  // octave 4, as music21 rendered them
    EXPECT_EQ(token_pitches("11"), (std::vector<int>{71}));
    EXPECT_TRUE(token_pitches(kRestToken).empty());
    EXPECT_TRUE(token_pitches(kHoldToken).empty());
    EXPECT_TRUE(token_pitches(kUnknownToken).empty());
    for (const char* bad : {"", "C4.", "12", "x", "C4..E4", "<eos>"}) EXPECT_THROW(token_pitches(bad), UsageError) << bad;
}

TEST(NoteTokens, StepsSchemeByHand) {
    // Resolution 2: a C major chord for 2 steps, a rest, E4 for 3 steps, then D4 struck while E4 rings, G4 alone.
    Track t = track_of(10);
    note(t, 60, 0, 2);
    note(t, 64, 0, 2);
    note(t, 67, 0, 2);
    note(t, 64, 3, 3);
    note(t, 62, 5, 1);  // starts on E4's last step
    note(t, 67, 7, 1);
    const Tokens expected = {"C4.E4.G4", "<hold>", "<rest>", "E4", "<hold>", "D4", "<rest>", "G4"};
    EXPECT_EQ(encode_track(t, steps_spec()), expected);
    const Track back = decode_tokens(expected, steps_spec());
    ASSERT_EQ(back.steps(), 8u);
    // Exactly the song, except that E4 ends where D4 begins (the notes of a set end when the next set starts).
    Track want = track_of(8);
    note(want, 60, 0, 2);
    note(want, 64, 0, 2);
    note(want, 67, 0, 2);
    note(want, 64, 3, 2);
    note(want, 62, 5, 1);
    note(want, 67, 7, 1);
    EXPECT_EQ(back.roll, want.roll);
    EXPECT_EQ(encode_track(back, steps_spec()), expected);
}

TEST(NoteTokens, StepsSchemeHoldsWhileAnyNoteOfTheSetSounds) {
    Track t = track_of(6);
    note(t, 48, 0, 4);  // bass C3 for 4 steps
    note(t, 72, 0, 1);  // C5 for 1 step
    note(t, 72, 4, 1);  // C5 again
    const Tokens tokens = encode_track(t, steps_spec());
    EXPECT_EQ(tokens, (Tokens{"C3.C5", "<hold>", "<hold>", "<hold>", "C5"}));
    // Decoded, the set's notes last together; C5 stops one step before it is struck again.
    const Track back = decode_tokens(tokens, steps_spec());
    Track want = track_of(5);
    note(want, 48, 0, 4);
    note(want, 72, 0, 3);
    note(want, 72, 4, 1);
    EXPECT_EQ(back.roll, want.roll);
    EXPECT_EQ(onsets(back), onsets(t));
    EXPECT_EQ(encode_track(back, steps_spec()), tokens);
}

TEST(NoteTokens, EventsSchemeDropsRhythmAndPlaysEqualEighths) {
    Track t = track_of(12);
    note(t, 60, 0, 4);
    note(t, 64, 0, 4);
    note(t, 62, 6, 1);  // after a rest
    note(t, 62, 8, 2);  // the same pitch again
    note(t, 59, 11, 1);
    const Tokens tokens = encode_track(t, events_spec());
    EXPECT_EQ(tokens, (Tokens{"C4.E4", "D4", "D4", "B3"}));
    EXPECT_EQ(encode_track(t, events_spec(ChordTokens::PitchClasses)), (Tokens{"0.4", "D4", "D4", "B3"}));
    const NoteTokenSpec spec = events_spec();
    EXPECT_EQ(spec.output_resolution(), 4);
    EXPECT_EQ(spec.tokens_per_bar(), 8);
    const Track back = decode_tokens(tokens, spec);
    ASSERT_EQ(back.steps(), 8u);  // 4 eighths at 4 steps per beat
    Track want = track_of(8);
    note(want, 60, 0, 2);
    note(want, 64, 0, 2);
    note(want, 62, 2, 1);  // cut short: D4 is struck again at the next event
    note(want, 62, 4, 2);
    note(want, 59, 6, 2);
    EXPECT_EQ(back.roll, want.roll);
    EXPECT_EQ(encode_track(back, NoteTokenSpec{TokenScheme::Events, ChordTokens::Pitches, 4}), tokens);
}

TEST(NoteTokens, PitchClassChordsDecodeInOctaveFour) {
    Track t = track_of(4);
    note(t, 43, 0, 2);  // G2
    note(t, 52, 0, 2);  // E3
    note(t, 72, 0, 2);  // C5
    const Tokens tokens = encode_track(t, steps_spec(ChordTokens::PitchClasses));
    EXPECT_EQ(tokens, (Tokens{"0.4.7", "<hold>"}));
    Track want = track_of(2);
    note(want, 60, 0, 2);
    note(want, 64, 0, 2);
    note(want, 67, 0, 2);
    EXPECT_EQ(decode_tokens(tokens, steps_spec(ChordTokens::PitchClasses)).roll, want.roll);
}

TEST(NoteTokens, SongTrackStartsAtTheBarOfTheFirstNoteAndEndsWithTheLastNote) {
    Multitrack song = empty_lpd5(64, 2);  // bars of 8 steps
    song.tracks[1].at(19, 60) = 90;       // piano: first note in bar 2 (steps 16..23)
    song.tracks[1].at(30, 62) = 90;
    song.tracks[1].at(31, 62) = 90;
    song.tracks[3].at(50, 40) = 90;       // bass later: not the piano's
    std::size_t first = 99;
    const Track piano = song_track(song, 1, 2, &first);
    EXPECT_EQ(first, 16u);
    EXPECT_EQ(piano.steps(), 32u - 16u);
    EXPECT_EQ(piano.at(3, 60), 90);
    EXPECT_EQ(piano.name, "Piano");
    const Tokens tokens = song_tokens(song, 1, steps_spec());
    ASSERT_EQ(tokens.size(), 16u);
    EXPECT_EQ(tokens[0], "<rest>");
    EXPECT_EQ(tokens[3], "C4");
    EXPECT_EQ(tokens[14], "D4");
    EXPECT_EQ(tokens[15], "<hold>");
    EXPECT_TRUE(song_tokens(song, 2, steps_spec()).empty());  // no guitar
    EXPECT_TRUE(song_track(song, 2, 2).roll.empty());
    // At resolution 4 every step doubles.
    EXPECT_EQ(song_tokens(song, 1, NoteTokenSpec{TokenScheme::Steps, ChordTokens::Pitches, 4}).size(), 32u);
}

TEST(NoteTokens, VocabularyCountsMapsRareTokensToUnknownAndRoundTripsItsFile) {
    const std::vector<Tokens> songs = {{"C4", "<hold>", "E4", "C4"}, {"C4", "G4.C5", "<rest>", "<hold>"}};
    const NoteVocabulary v = NoteVocabulary::build(songs, 2);
    // Kept: C4 (3), <hold> (2); <unk> gathers E4, G4.C5 and <rest> (1 each).
    ASSERT_EQ(v.size(), 3);
    EXPECT_EQ(v.token(0), "<unk>");
    EXPECT_EQ(v.count(0), 3);
    EXPECT_EQ(v.id("C4"), 2);  // string order after <unk>: "<hold>" < "C4"
    EXPECT_EQ(v.count(v.id("C4")), 3);
    EXPECT_EQ(v.id("E4"), 0);
    EXPECT_EQ(v.id("never-seen"), 0);
    EXPECT_EQ(v.encode({"C4", "E4", "<hold>"}), (std::vector<std::int64_t>{2, 0, 1}));
    EXPECT_EQ(v.decode({2, 0, 1}), (Tokens{"C4", "<unk>", "<hold>"}));
    EXPECT_EQ(v.text(), "<unk>\t3\n<hold>\t2\nC4\t3\n");
    const NoteVocabulary back = NoteVocabulary::parse(v.text(), "vocabulary.tsv");
    EXPECT_EQ(back.text(), v.text());
    EXPECT_EQ(NoteVocabulary::build(songs, 1).size(), 6);  // everything, plus <unk>
    EXPECT_THROW(NoteVocabulary::build(songs, 0), UsageError);
    EXPECT_THROW(v.token(3), UsageError);
}

TEST(NoteTokens, BrokenVocabularyFilesAreFormatErrors) {
    for (const char* bad : {"", "C4\t3\n", "<unk>\t1\nC4\n", "<unk>\t1\nC4\t-2\n", "<unk>\t1\nC4\t1\nC4\t2\n",
                            "<unk>\t1\nQ9\t2\n", "<unk>\tx\n"}) {
        try {
            NoteVocabulary::parse(bad, "v.tsv");
            ADD_FAILURE() << "accepted: " << bad;
        } catch (const FormatError& e) {
            EXPECT_EQ(std::string(e.what()).rfind("v.tsv: ", 0), 0u) << e.what();
        }
    }
}

TEST(NoteTokens, SpecOptionsAreChecked) {
    EXPECT_EQ(parse_token_scheme("events"), TokenScheme::Events);
    EXPECT_EQ(parse_chord_tokens("pitch-class"), ChordTokens::PitchClasses);
    EXPECT_THROW(parse_token_scheme("bars"), UsageError);
    EXPECT_THROW(parse_chord_tokens("octave"), UsageError);
    EXPECT_THROW(encode_track(track_of(1), NoteTokenSpec{TokenScheme::Steps, ChordTokens::Pitches, 0}), UsageError);
    EXPECT_THROW(song_track(empty_lpd5(4, 2), 5, 2), UsageError);
}

// Every shared LPD-5 song's piano (or, where it has none, its first pitched track with notes): the steps tokens
// decode to a roll with exactly the song's onsets, which encodes to the same tokens again.
TEST(NoteTokens, StepsRoundTripKeepsEveryOnsetOfRealSongs) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    int checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(test::shared_data_dir() / "lpd5")) {
        if (entry.path().extension() != ".npz" || checked >= 40) continue;
        const Multitrack song = read_npz(entry.path());
        for (int family : {1, 2, 3, 4}) {
            const Track track = song_track(song, family, 2);
            if (track.empty()) continue;
            for (ChordTokens chords : {ChordTokens::Pitches}) {
                const NoteTokenSpec spec = steps_spec(chords);
                const Tokens tokens = encode_track(track, spec);
                ASSERT_EQ(tokens.size(), track.steps()) << entry.path();
                const Track back = decode_tokens(tokens, spec);
                EXPECT_EQ(onsets(back), onsets(track)) << entry.path() << " family " << family;
                EXPECT_EQ(encode_track(back, spec), tokens) << entry.path() << " family " << family;
            }
            // Events: the onset sets in order, whatever the rhythm.
            const Tokens events = encode_track(track, events_spec());
            const Track eighths = decode_tokens(events, events_spec());
            EXPECT_EQ(encode_track(eighths, NoteTokenSpec{TokenScheme::Events, ChordTokens::Pitches, 4}), events) << entry.path();
            ++checked;
            break;
        }
    }
    EXPECT_GE(checked, 20);
}
