// represent/music_tokens: the MusicAutobot ids by hand (REFERENCE 3.2), the five-track variant, a decoder that
// survives any id sequence, and a round trip of every MIDI file of the shared data.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "corpus/song_loader.hpp"
#include "represent/music_tokens.hpp"
#include "roll/operations.hpp"
#include "support/shared_data.hpp"
#include "util/error.hpp"

using namespace quintet;

namespace {
Multitrack piano_song(std::size_t steps, int resolution = 4) {
    Multitrack mt;
    mt.resolution = resolution;
    Track piano;
    piano.name = "Piano";
    piano.resize_steps(steps);
    mt.tracks.push_back(piano);
    return mt;
}
void put(Track& t, std::size_t start, std::size_t len, int pitch, std::uint8_t vel = 100) {
    for (std::size_t s = start; s < start + len; ++s) t.at(s, pitch) = vel;
}
int n(int pitch) { return 9 + pitch; }
int d(int steps) { return 137 + steps; }
}  // namespace

TEST(MusicTokens, VocabularyIdsAreMusicAutobots) {
    const auto v = TokenVocab::musicautobot;
    EXPECT_EQ(vocab_size(v), 312);
    EXPECT_EQ(token_name(0, v), "xxbos");
    EXPECT_EQ(token_name(1, v), "xxpad");
    EXPECT_EQ(token_name(8, v), "xxsep");
    EXPECT_EQ(token_name(9, v), "n0");
    EXPECT_EQ(token_name(136, v), "n127");
    EXPECT_EQ(token_name(137, v), "d0");
    EXPECT_EQ(token_name(297, v), "d160");
    EXPECT_EQ(token_name(298, v), "mt0");
    EXPECT_EQ(token_name(307, v), "mt9");
    EXPECT_EQ(token_name(308, v), "dummy0");
    EXPECT_EQ(token_name(311, v), "dummy3");
    EXPECT_EQ(token_name(312, v), "?");
    EXPECT_EQ(vocab_size(TokenVocab::lpd5), 320);
    EXPECT_EQ(token_name(312, TokenVocab::lpd5), "i0");
    EXPECT_EQ(token_name(316, TokenVocab::lpd5), "i4");
    EXPECT_EQ(token_name(317, TokenVocab::lpd5), "dummy4");
    EXPECT_EQ(token_name(319, TokenVocab::lpd5), "dummy6");
    EXPECT_EQ(parse_token_vocab("lpd5"), TokenVocab::lpd5);
    EXPECT_THROW(parse_token_vocab("remi"), UsageError);
}

TEST(MusicTokens, EncodesTheReferenceExample) {
    // xxbos xxpad n72 d4 n64 d4 n60 d8 xxsep d4 n74 d4
    Multitrack mt = piano_song(16);
    put(mt.tracks[0], 0, 8, 60);
    put(mt.tracks[0], 0, 4, 64);
    put(mt.tracks[0], 0, 4, 72);
    put(mt.tracks[0], 4, 4, 74);
    const std::vector<int> want = {0, 1, n(72), d(4), n(64), d(4), n(60), d(8), 8, d(4), n(74), d(4)};
    EXPECT_EQ(encode_tokens(mt, TokenVocab::musicautobot), want);
}

TEST(MusicTokens, PositionsCountAdvancesFromTheIdAfterTheSeparatorPair) {
    // MusicAutobot's position_enc: posenc[sep + 2] = K, cumulated; a new song (xxbos) starts again at 0.
    const std::vector<int> ids = {0, 1, n(72), d(4), 8, d(4), n(74), d(2), 8, d(12), 8, d(3), n(60), d(1), 0, 1, 8, d(2), n(40)};
    const std::vector<std::int64_t> want = {0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 16, 16, 19, 19, 0, 0, 0, 0, 2};
    EXPECT_EQ(token_positions(ids), want);
}

TEST(MusicTokens, RangeDrumsClippingGridAndLongRests) {
    Multitrack mt = piano_song(24 * 4 * 100, 24);  // 24 steps per beat: 6 per 16th
    put(mt.tracks[0], 12, 6, 60);              // step 2, one 16th
    put(mt.tracks[0], 12, 6, 20);              // below 21: dropped
    put(mt.tracks[0], 12, 6, 109);             // above 108: dropped
    put(mt.tracks[0], 14, 2, 50);              // onset 14/6 -> step 2, end 16/6 -> step 3
    put(mt.tracks[0], 24 * 4 * 60, 24 * 4 * 40, 70);  // step 960, 640 steps long: clipped to 128
    Track drums;
    drums.is_drum = true;
    drums.resize_steps(24 * 4 * 100);
    put(drums, 0, 6, 36);  // musicautobot leaves drums out
    mt.tracks.push_back(drums);
    const std::vector<int> want = {0, 1, 8, d(2), n(60), d(1), n(50), d(1),
                                   8, d(160), 8, d(160), 8, d(160), 8, d(160), 8, d(160), 8, d(158), n(70), d(128)};
    const auto ids = encode_tokens(mt, TokenVocab::musicautobot);
    EXPECT_EQ(ids, want);
    // lpd5 keeps the drums (GM key 36, under the piano range) in their own group before the piano.
    const auto five = encode_tokens(mt, TokenVocab::lpd5);
    const std::vector<int> want5 = {0, 1, 312, n(36), d(1), 8, d(2), 313, n(60), d(1), n(50), d(1)};
    ASSERT_GE(five.size(), want5.size());
    EXPECT_EQ(std::vector<int>(five.begin(), five.begin() + long(want5.size())), want5);
    EXPECT_EQ(token_steps(ids).back(), 960u);
}

TEST(MusicTokens, FiveTrackGroupsInLpd5Order) {
    Multitrack mt = empty_lpd5(8, 4);
    put(mt.tracks[3], 0, 2, 40);  // bass
    put(mt.tracks[0], 0, 1, 36);  // drums
    put(mt.tracks[4], 0, 4, 67);  // strings
    put(mt.tracks[1], 0, 4, 67);  // piano, the same pitch as the strings: kept, another part
    put(mt.tracks[3], 4, 2, 43);
    const std::vector<int> want = {0,     1,     312, n(36), d(1), 313, n(67), d(4), 315, n(40), d(2),
                                   316, n(67), d(4), 8,     d(4), 315, n(43), d(2)};
    const auto ids = encode_tokens(mt, TokenVocab::lpd5);
    EXPECT_EQ(ids, want);
    const Multitrack back = tokens_to_multitrack(ids, TokenVocab::lpd5, 90);
    ASSERT_EQ(back.tracks.size(), 5u);
    EXPECT_EQ(back.resolution, 4);
    EXPECT_EQ(encode_tokens(back, TokenVocab::lpd5), want);
    EXPECT_EQ(back.tracks[3].at(5, 43), 90);
}

TEST(MusicTokens, DecoderSkipsWhatItCannotRead) {
    const auto v = TokenVocab::musicautobot;
    const std::vector<int> ids = {
        n(60),           // a note without its duration (followed by another note)
        n(62), d(2),     // kept at step 0
        d(5),            // a lone duration
        8, 8, d(3),      // a separator without duration, then an advance of 3
        n(64), d(0),     // a zero-length note
        -4, 999, 300,    // out of the vocabulary, and a tempo token
        4,               // another task's mask token
        0, 1, 2,         // framing
        n(65), d(4),     // kept at step 3
        8};              // a trailing separator without duration
    const DecodedTokens dec = decode_tokens(ids, v);
    const std::vector<TokenNote> want = {{0, 62, 2, 1}, {3, 65, 4, 1}};
    EXPECT_EQ(dec.notes, want);
    EXPECT_EQ(dec.steps, 7u);
    EXPECT_EQ(dec.skipped, 1u + 1 + 1 + 2 + 3 + 1 + 1);
    // lpd5: notes before any instrument token have no part.
    const std::vector<int> five = {n(60), d(1), 313, n(61), d(1)};
    EXPECT_EQ(decode_tokens(five, TokenVocab::lpd5).notes, (std::vector<TokenNote>{{0, 61, 1, 1}}));
    // Any sequence at all decodes, and its Multitrack holds exactly the decoded cells.
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> id(-2, 330);
    for (int trial = 0; trial < 200; ++trial) {
        std::vector<int> r(1 + rng() % 300);
        for (int& x : r) x = id(rng);
        for (auto voc : {TokenVocab::musicautobot, TokenVocab::lpd5}) {
            const DecodedTokens dd = decode_tokens(r, voc);
            const Multitrack mt = tokens_to_multitrack(r, voc);
            for (const auto& note : dd.notes) {
                ASSERT_LE(note.start + std::size_t(note.duration), mt.steps());
                EXPECT_EQ(mt.tracks[voc == TokenVocab::lpd5 ? note.family : 0].at(note.start, note.pitch), 90);
            }
        }
    }
}

TEST(MusicTokens, TransposeShiftsPitchesAndKeepsDrums) {
    const std::vector<int> ids = {0, 1, 312, n(36), d(1), 313, n(107), d(2), n(60), d(2), 8, d(4), n(22), d(1)};
    const std::vector<int> up = {0, 1, 312, n(36), d(1), 313, n(62), d(2), 8, d(4), n(24), d(1)};  // 109 dropped
    EXPECT_EQ(transpose_tokens(ids, 2, TokenVocab::lpd5), up);
    const std::vector<int> down = {0, 1, 312, n(36), d(1), 313, n(104), d(2), n(57), d(2), 8, d(4)};  // 19 dropped
    EXPECT_EQ(transpose_tokens(ids, -3, TokenVocab::lpd5), down);
}

// Every MIDI file: each in-range pitched note whose onset and length lie on the 16th grid comes back with its
// onset, pitch and length (the longest, where parts share an onset and pitch); nothing else comes back.
TEST(MusicTokens, RoundTripOfEveryMidiFileKeepsEveryOnGridNote) {
    QUINTET_REQUIRE_SHARED_DATA("midi");
    std::size_t files = 0, checked_notes = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(test::shared_data_dir() / "midi")) {
        if (!entry.is_regular_file() || song_file_kind(entry.path()) != SongFileKind::Midi) continue;
        Multitrack song;
        try {
            song = load_song_file(entry.path());
        } catch (const Error&) {
            continue;  // files the MIDI reader refuses are its tests' business
        }
        ASSERT_EQ(song.resolution, 24);
        ++files;
        for (auto v : {TokenVocab::musicautobot, TokenVocab::lpd5}) {
            // The expectation, straight from the 24-step roll: (family, onset, pitch) -> longest on-grid length.
            std::map<std::tuple<int, std::size_t, int>, int> on_grid;
            std::set<std::tuple<int, std::size_t, int>> onsets;  // every kept onset, on the grid or not
            for (std::size_t t = 0; t < song.tracks.size(); ++t) {
                const Track& track = song.tracks[t];
                if (v == TokenVocab::musicautobot && track.is_drum) continue;
                const int family = v == TokenVocab::lpd5 ? int(t) : 1;  // LPD-5 order
                for (int p = 0; p < 128; ++p) {
                    if (!track.is_drum || v == TokenVocab::musicautobot)
                        if (p < 21 || p > 108) continue;
                    for (std::size_t s = 0; s < track.steps();) {
                        if (!track.at(s, p)) { ++s; continue; }
                        std::size_t e = s;
                        while (e < track.steps() && track.at(e, p)) ++e;
                        onsets.insert({family, (s + 3) / 6, p});
                        if (s % 6 == 0 && (e - s) % 6 == 0) {
                            int& len = on_grid[{family, s / 6, p}];
                            len = std::max(len, int(std::min<std::size_t>((e - s) / 6, 128)));
                        }
                        s = e;
                    }
                }
            }
            const auto ids = encode_tokens(song, v);
            const DecodedTokens dec = decode_tokens(ids, v);
            EXPECT_EQ(dec.skipped, 0u) << entry.path();
            EXPECT_EQ(dec.notes.size(), onsets.size()) << entry.path();
            std::map<std::tuple<int, std::size_t, int>, int> got;
            for (const auto& note : dec.notes) got[{note.family, note.start, note.pitch}] = note.duration;
            for (const auto& [key, len] : on_grid) {
                auto it = got.find(key);
                ASSERT_NE(it, got.end()) << entry.path() << " lost a note at 16th " << std::get<1>(key);
                EXPECT_GE(it->second, len) << entry.path();
                ++checked_notes;
            }
        }
    }
    EXPECT_GT(files, 1000u);
    EXPECT_GT(checked_notes, 100000u);
    std::printf("round trip: %zu files, %zu on-grid notes checked\n", files, checked_notes);
}
