// The one-line error report and exit codes of both quintet binaries (README, DESIGN.md "Errors").
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "util/error.hpp"
#include "util/error_report.hpp"

namespace quintet {
namespace {

struct Report {
    int code;
    std::string err;
};

Report run(const std::function<int()>& body) {
    testing::internal::CaptureStderr();
    const int code = run_reporting_errors(body);
    return {code, testing::internal::GetCapturedStderr()};
}

TEST(ErrorReport, TheBodysExitCodePassesThroughSilently) {
    EXPECT_EQ(run([] { return 0; }).code, 0);
    const Report r = run([] { return 7; });
    EXPECT_EQ(r.code, 7);
    EXPECT_EQ(r.err, "");
}

TEST(ErrorReport, QuintetErrorsAreOneLineAndExitTwo) {
    Report r = run([]() -> int { throw UsageError("--epochs: expected an integer, got 'x'"); });
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "quintet: error: --epochs: expected an integer, got 'x'\n");
    r = run([]() -> int { throw FormatError("song.mid", 14, "bad chunk"); });
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "quintet: error: song.mid: byte 14: bad chunk\n");
    r = run([]() -> int { throw IoError("cannot open run/config.json"); });
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "quintet: error: cannot open run/config.json\n");
}

TEST(ErrorReport, OtherExceptionsAreInternalErrorsAndExitOne) {
    Report r = run([]() -> int { throw std::runtime_error("CUDA out of memory"); });
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.err, "quintet: internal error: CUDA out of memory\n");
    r = run([]() -> int { throw 42; });
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.err, "quintet: internal error: unknown exception\n");
}

}  // namespace
}  // namespace quintet
