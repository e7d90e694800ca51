// `quintet studio` from the command line: a missing runs folder is one line and exit 2; an address other
// than loopback is served with a warning; SIGTERM ends it cleanly (exit 0).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "support/shell_exit.hpp"
#include "support/tiny_store.hpp"
#include "util/atomic_file.hpp"

namespace fs = std::filesystem;

namespace {
using quintet::test::shell_exit;
}  // namespace

TEST(StudioCli, AMissingRunsFolderIsOneLine) {
    const fs::path dir = quintet::test::fresh_test_path("studio-cli", "missing");
    fs::create_directories(dir);
    const std::string err = (dir / "err.txt").string();
    EXPECT_EQ(shell_exit(QUINTET_BINARY_DIR "/quintet studio --runs " + (dir / "nope").string() + " --port 0 > /dev/null 2> " + err), 2);
    const std::string text = quintet::read_file(err);
    EXPECT_NE(text.find("the runs directory does not exist"), std::string::npos) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    EXPECT_EQ(shell_exit(QUINTET_BINARY_DIR "/quintet studio --runs " + dir.string() + " --workers 0 > /dev/null 2> " + err), 2);
    EXPECT_NE(quintet::read_file(err).find("--workers must be at least 1"), std::string::npos);
}

TEST(StudioCli, AnotherHostIsAWarningAndSigtermStopsItCleanly) {
    const fs::path dir = quintet::test::fresh_test_path("studio-cli", "host");
    fs::create_directories(dir / "runs");
    const std::string out = (dir / "out.txt").string(), err = (dir / "err.txt").string();
    // timeout sends SIGTERM after 3 s; --preserve-status returns the studio's own exit status.
    EXPECT_EQ(shell_exit("timeout --preserve-status -s TERM 3 " QUINTET_BINARY_DIR "/quintet studio --runs " + (dir / "runs").string() +
                  " --host 0.0.0.0 --port 0 > " + out + " 2> " + err),
              0)
        << quintet::read_file(err);
    EXPECT_NE(quintet::read_file(out).find("http://0.0.0.0:"), std::string::npos) << quintet::read_file(out);
    const std::string text = quintet::read_file(err);
    EXPECT_NE(text.find("warning: the studio listens on 0.0.0.0"), std::string::npos) << text;
    EXPECT_NE(text.find("stopping"), std::string::npos) << text;
    EXPECT_TRUE(fs::is_directory(dir / "runs" / ".studio" / "history"));
}
