// represent/frames: a hand-built song with known frames, round trips both ways (LPD-5 x 128 and the one-track
// 88-pitch JSB frame), the store path with stored lengths, and the option texts.
#include <gtest/gtest.h>

#include <random>

#include "corpus/store_writer.hpp"
#include "represent/frames.hpp"
#include "roll/operations.hpp"
#include "util/error.hpp"

using namespace quintet;

namespace {
FrameSpec article_spec() { return FrameSpec{2, {1, 2, 3, 4, 0}, 0, 128}; }   // piano, guitar, bass, strings, drums
FrameSpec jsb_spec() { return FrameSpec{1, {1}, 21, 88}; }                    // one track, pitches 21..108
}  // namespace

TEST(Frames, PutTheTracksSideBySideInTheSpecsOrder) {
    Multitrack mt = empty_lpd5(4, 2);
    mt.tracks[0].at(0, 36) = 100;  // drums: block 4
    mt.tracks[1].at(1, 60) = 127;  // piano: block 0
    mt.tracks[4].at(3, 70) = 5;    // strings: block 3, quiet but on
    const auto f = encode_frames(mt, article_spec());
    ASSERT_EQ(f.size(), 4u * 640);
    EXPECT_EQ(f[0 * 640 + 4 * 128 + 36], 1);
    EXPECT_EQ(f[1 * 640 + 0 * 128 + 60], 1);
    EXPECT_EQ(f[3 * 640 + 3 * 128 + 70], 1);
    int on = 0;
    for (auto v : f) on += v;
    EXPECT_EQ(on, 3);
}

TEST(Frames, DecodeThenEncodeGivesTheFramesBack) {
    for (const FrameSpec& spec : {article_spec(), jsb_spec()}) {
        std::mt19937 rng(7);
        const std::size_t steps = 50;
        std::vector<std::uint8_t> frames(steps * spec.frame_size());
        for (auto& v : frames) v = rng() % 9 == 0;
        frames.resize(frames.size() + spec.frame_size(), 0);  // a silent last step is kept too
        const Multitrack song = decode_frames(frames.data(), steps + 1, spec, 90, 100);
        EXPECT_EQ(song.steps(), steps + 1);
        EXPECT_EQ(encode_frames(song, spec), frames);
    }
}

TEST(Frames, EncodeThenDecodeGivesTheBinarisedSongInRange) {
    std::mt19937 rng(3);
    Multitrack mt = empty_lpd5(40, 1);
    for (auto& t : mt.tracks)
        for (auto& v : t.roll) v = rng() % 13 == 0 ? std::uint8_t(1 + rng() % 127) : 0;
    const FrameSpec spec = jsb_spec();
    const auto f = encode_frames(mt, spec);
    const Multitrack back = decode_frames(f.data(), 40, spec, 100, 120);
    for (int fam = 0; fam < 5; ++fam)
        for (std::size_t t = 0; t < 40; ++t)
            for (int p = 0; p < 128; ++p) {
                const bool kept = fam == 1 && p >= 21 && p <= 108;
                EXPECT_EQ(back.tracks[std::size_t(fam)].at(t, p), kept && mt.tracks[std::size_t(fam)].at(t, p) ? 100 : 0)
                    << fam << " " << t << " " << p;
            }
}

TEST(Frames, ResampleToTheSpecsResolution) {
    Multitrack mt = empty_lpd5(48, 24);  // two beats at 24 steps per beat
    for (std::size_t t = 24; t < 48; ++t) mt.tracks[2].at(t, 50) = 80;  // guitar on the second beat
    const auto f = encode_frames(mt, article_spec());
    // pypianoroll's set_resolution: fine step t goes to round(t / 12) (half to even), so steps 24..47 land on
    // 2..4 (47 / 12 = 3.9 rounds to 4) and the song is 5 steps long.
    ASSERT_EQ(f.size() / 640, 5u);
    for (std::size_t t = 0; t < 5; ++t) EXPECT_EQ(f[t * 640 + 128 + 50], t >= 2 ? 1 : 0) << t;
}

TEST(Frames, StoreFramesKeepEachSongsStoredLength) {
    const auto path = std::filesystem::temp_directory_path() / ("frames_test_" + std::to_string(::getpid()) + ".store");
    write_store(path, 1, [](StoreWriter& w) {
        for (int i = 0; i < 3; ++i) {
            Multitrack mt = empty_lpd5(std::size_t(5 + i), 1);
            mt.tracks[1].at(0, 60 + i) = 100;  // the rest silent: the trailing steps still count
            SongInfo info;
            info.id = "song" + std::to_string(i);
            info.split = i == 2 ? Split::Test : Split::Train;
            w.add(info, mt);
        }
    });
    const auto store = CorpusStore::open(path);
    const FrameSet train = store_frames(store, Split::Train, jsb_spec());
    EXPECT_EQ(train.sequences(), 2u);
    EXPECT_EQ(train.length, (std::vector<std::size_t>{5, 6}));
    EXPECT_EQ(train.start, (std::vector<std::size_t>{0, 5}));
    EXPECT_EQ(train.steps(), 11u);
    EXPECT_EQ(train.frame(5)[61 - 21], 1);
    const FrameSet test = store_frames(store, Split::Test, jsb_spec());
    EXPECT_EQ(test.length, (std::vector<std::size_t>{7}));
    std::filesystem::remove(path);
}

TEST(Frames, OptionTexts) {
    EXPECT_EQ(parse_track_list("piano,guitar,bass,strings,drums"), (std::vector<int>{1, 2, 3, 4, 0}));
    EXPECT_EQ(parse_track_list("Piano"), (std::vector<int>{1}));
    EXPECT_EQ(track_list_text({1, 0}), "piano,drums");
    EXPECT_THROW(parse_track_list("piano,flute"), UsageError);
    EXPECT_THROW(parse_track_list("piano,piano"), UsageError);
    EXPECT_THROW(parse_track_list(""), UsageError);
    int lo = 0, n = 0;
    parse_pitch_range("21-108", lo, n);
    EXPECT_EQ(lo, 21);
    EXPECT_EQ(n, 88);
    for (const char* bad : {"21", "108-21", "0-128", "a-b", "-5", "3-", "1-2-3"}) EXPECT_THROW(parse_pitch_range(bad, lo, n), UsageError) << bad;
    FrameSpec spec = jsb_spec();
    spec.pitches = 120;  // 21 + 120 > 128
    EXPECT_THROW(spec.validate(), UsageError);
}
