// The progress reporter: its exact lines with a hand-driven clock, on a terminal and in a log.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "util/progress.hpp"

namespace quintet {
namespace {

// A tmpfile standing in for stderr, and a clock the test moves by hand.
struct Sink {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{std::tmpfile(), &std::fclose};
    double t = 0;

    ProgressOptions options(ProgressTerminal terminal) {
        return {.terminal = terminal, .clock = [this] { return t; }, .redraw_seconds = 0.1, .width = 0};
    }
    std::string text() {
        std::fflush(file.get());
        std::rewind(file.get());
        std::string s;
        char buf[4096];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, file.get())) > 0;) s.append(buf, n);
        return s;
    }
};

const std::string kWipe = "\r\033[K";

TEST(FormatDuration, HoursMinutesSeconds) {
    EXPECT_EQ(format_duration(3725), "1h02m");
    EXPECT_EQ(format_duration(185), "3m05s");
    EXPECT_EQ(format_duration(12), "12s");
    EXPECT_EQ(format_duration(0), "0s");
    EXPECT_EQ(format_duration(59.6), "1m00s");  // rounded before it is split
    EXPECT_EQ(format_duration(-1), "?");
    EXPECT_EQ(format_duration(NAN), "?");
    EXPECT_EQ(format_duration(INFINITY), "?");
}

TEST(Progress, LogGetsALinePerTenthThenTheFinalState) {
    Sink sink;
    Progress p(sink.file.get(), ProgressLines::PerTenth, sink.options(ProgressTerminal::No));
    EXPECT_FALSE(p.terminal());
    p.start("reference", 10, "files");
    for (int i = 1; i <= 10; ++i) {
        sink.t = 2.0 * i;  // 2 s a file: 0.5 files/s, ETA 2 s per file left
        p.update(i);
    }
    p.finish();
    std::string expected;
    for (int i = 1; i <= 9; ++i)
        expected += "reference: " + std::to_string(i) + "/10 files (" + std::to_string(10 * i) + "%), 0.5 files/s, ETA " +
                    std::to_string(2 * (10 - i)) + "s\n";
    expected += "reference: 10/10 files (100%), 0.5 files/s, elapsed 20s\n";
    EXPECT_EQ(sink.text(), expected);
}

TEST(Progress, ALargeTaskStillWritesTenLines) {
    Sink sink;
    Progress p(sink.file.get(), ProgressLines::PerTenth, sink.options(ProgressTerminal::No));
    p.start("corpus", 21425, "songs");
    for (std::size_t i = 1; i <= 21425; ++i) {
        sink.t = static_cast<double>(i) / 50;  // 50 songs/s
        p.update(i);
    }
    p.finish();
    const std::string text = sink.text();
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 10) << text;
    EXPECT_NE(text.find("corpus: 2143/21425 songs (10%), 50.0 songs/s, ETA 6m26s\n"), std::string::npos) << text;
    EXPECT_EQ(text.find('\r'), std::string::npos);
}

TEST(Progress, RateAndEtaMatchAHandComputedCase) {
    Sink sink;
    Progress p(sink.file.get(), ProgressLines::PerTenth, sink.options(ProgressTerminal::No));
    sink.t = 100;  // the clock's origin is arbitrary
    p.start("corpus", 1000, "songs");
    sink.t = 110;
    p.update(250);  // 250 songs in 10 s: 25 songs/s, 750 left: 30 s
    sink.t = 100 + 3725;
    p.update(999);  // 999 songs in 3725 s: 0.27 songs/s; 1 left: 3.7 s
    EXPECT_DOUBLE_EQ(p.elapsed_seconds(), 3725);
    p.finish();
    EXPECT_EQ(sink.text(),
              "corpus: 250/1000 songs (25%), 25.0 songs/s, ETA 30s\n"
              "corpus: 999/1000 songs (99%), 0.3 songs/s, ETA 4s\n"
              "corpus: 999/1000 songs (99%), 0.3 songs/s, elapsed 1h02m\n");
}

TEST(Progress, AnEpochInALogIsItsSummaryLineAndTheNotes) {
    Sink sink;
    Progress p(sink.file.get(), ProgressLines::PerTask, sink.options(ProgressTerminal::No));
    p.note("data: 5120 train windows");
    for (int epoch = 1; epoch <= 2; ++epoch) {
        p.start("vae " + std::to_string(epoch) + "/2", 40, "batches", "samples");
        for (std::size_t b = 1; b <= 40; ++b) {
            sink.t += 0.5;
            p.update(b, b * 64, "loss 0.123");
        }
        p.finish("vae epoch " + std::to_string(epoch) + "/2: train 0.12 valid 0.13, 128 samples/s");
    }
    p.warn("vae: early stop");
    EXPECT_EQ(sink.text(),
              "data: 5120 train windows\n"
              "vae epoch 1/2: train 0.12 valid 0.13, 128 samples/s\n"
              "vae epoch 2/2: train 0.12 valid 0.13, 128 samples/s\n"
              "warning: vae: early stop\n");
}

TEST(Progress, NotesFallBetweenTheTenthsInALog) {
    Sink sink;
    Progress p(sink.file.get(), ProgressLines::PerTenth, sink.options(ProgressTerminal::No));
    p.start("corpus", 4, "songs");
    sink.t = 1;
    p.update(1);
    p.warn("skipped a.mid: truncated");
    sink.t = 2;
    p.update(2);
    p.note("note: b.mid: no notes");
    sink.t = 4;
    p.update(4);
    p.finish();
    EXPECT_EQ(sink.text(),
              "corpus: 1/4 songs (25%), 1.0 songs/s, ETA 3s\n"
              "warning: skipped a.mid: truncated\n"
              "corpus: 2/4 songs (50%), 1.0 songs/s, ETA 2s\n"
              "note: b.mid: no notes\n"
              "corpus: 4/4 songs (100%), 1.0 songs/s, elapsed 4s\n");
}

TEST(Progress, ATerminalGetsOneLineRedrawnInPlaceAtMostEveryTenthOfASecond) {
    Sink sink;
    Progress p(sink.file.get(), ProgressLines::PerTenth, sink.options(ProgressTerminal::Yes));
    EXPECT_TRUE(p.terminal());
    p.start("vae 3/30", 4, "batches", "samples");
    sink.t = 0.05;
    p.update(1, 32, "loss 0.5");  // too soon after the first draw
    sink.t = 1;
    p.update(2, 64, "loss 0.4");
    sink.t = 1.05;
    p.update(3, 96, "loss 0.35");  // too soon again
    sink.t = 2;
    p.update(4, 4000, "loss 0.3");  // the last state is always drawn
    p.finish("vae epoch 3/30: train 0.3 valid 0.4, 2000 samples/s, improved");
    EXPECT_EQ(sink.text(), kWipe + "vae 3/30 [....................] 0/4 batches (0%), 0.0 samples/s, ETA ?" +
                               kWipe + "vae 3/30 [##########..........] 2/4 batches (50%), 64.0 samples/s, ETA 1s, loss 0.4" +
                               kWipe + "vae 3/30 [####################] 4/4 batches (100%), 2000 samples/s, ETA 0s, loss 0.3" +
                               kWipe + "vae epoch 3/30: train 0.3 valid 0.4, 2000 samples/s, improved\n");
}

TEST(Progress, ATerminalRedrawsTheLiveLineBelowANote) {
    Sink sink;
    Progress p(sink.file.get(), ProgressLines::PerTenth, sink.options(ProgressTerminal::Yes));
    p.start("generated", 2, "songs");
    sink.t = 1;
    p.update(1);
    p.warn("skipped x.npz: bad zip");
    sink.t = 2;
    p.update(2);
    p.finish();
    p.note("report written to /tmp/r");  // no task left to redraw
    EXPECT_EQ(sink.text(), kWipe + "generated [....................] 0/2 songs (0%), 0.0 songs/s, ETA ?" +
                               kWipe + "generated [##########..........] 1/2 songs (50%), 1.0 songs/s, ETA 1s" +
                               kWipe + "warning: skipped x.npz: bad zip\n" +
                               kWipe + "generated [##########..........] 1/2 songs (50%), 1.0 songs/s, ETA 1s" +
                               kWipe + "generated [####################] 2/2 songs (100%), 1.0 songs/s, ETA 0s" +
                               kWipe + "generated: 2/2 songs (100%), 1.0 songs/s, elapsed 2s\n" +
                               "report written to /tmp/r\n");
}

TEST(Progress, AnUnknownTotalHasNoBarShareOrEta) {
    Sink sink;
    {
        Progress p(sink.file.get(), ProgressLines::PerTenth, sink.options(ProgressTerminal::Yes));
        p.start("sampling", 0, "songs");
        sink.t = 2;
        p.update(3, "song-003.mid");
    }  // left unfinished: the destructor ends the live line
    EXPECT_EQ(sink.text(), kWipe + "sampling 0 songs, 0.0 songs/s" + kWipe + "sampling 3 songs, 1.5 songs/s, song-003.mid\n");

    Sink log;
    Progress p(log.file.get(), ProgressLines::PerTenth, log.options(ProgressTerminal::No));
    p.start("sampling", 0, "songs");
    log.t = 2;
    p.update(3);
    p.finish();
    EXPECT_EQ(log.text(), "sampling: 3 songs, 1.5 songs/s, elapsed 2s\n");
}

TEST(Progress, TheLiveLineIsCutToTheTerminalWidth) {
    Sink sink;
    auto options = sink.options(ProgressTerminal::Yes);
    options.width = 30;
    Progress p(sink.file.get(), ProgressLines::PerTenth, options);
    p.start("corpus", 10, "songs");
    p.finish("a summary line longer than thirty columns is kept whole");
    EXPECT_EQ(sink.text(), kWipe + "corpus [....................]" + kWipe +
                               "a summary line longer than thirty columns is kept whole\n");
}

TEST(Progress, SilentWritesNothingAnywhereButStillTimes) {
    testing::internal::CaptureStderr();
    testing::internal::CaptureStdout();
    double t = 0;
    {
        ProgressOptions options;
        options.terminal = ProgressTerminal::Yes;
        options.clock = [&] { return t; };
        Progress p(nullptr, ProgressLines::PerTenth, options);
        EXPECT_FALSE(p.terminal());
        p.start("corpus", 3, "songs");
        t = 1.5;
        p.update(1, "extra");
        p.note("a note");
        p.warn("a warning");
        p.update(3);
        EXPECT_DOUBLE_EQ(p.elapsed_seconds(), 1.5);
        p.finish("summary");
    }
    EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(Progress, AFileIsNotATerminal) {
    Sink sink;
    Progress p(sink.file.get());
    EXPECT_FALSE(p.terminal());
    p.start("corpus", 2, "songs");
    p.update(1);
    p.update(2);
    p.finish();
    const std::string text = sink.text();
    EXPECT_EQ(text.find('\r'), std::string::npos) << text;
    EXPECT_EQ(text.rfind("corpus: 1/2 songs (50%), ", 0), 0u) << text;
    EXPECT_NE(text.find("\ncorpus: 2/2 songs (100%), "), std::string::npos) << text;
}

}  // namespace
}  // namespace quintet
