// `quintet` starts without LibTorch and hands the commands that need networks to quintet-nn beside it.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "support/shell_exit.hpp"
#include "support/tiny_store.hpp"
#include "util/atomic_file.hpp"

namespace fs = std::filesystem;

namespace {
using quintet::test::shell_exit;
}  // namespace

TEST(HandOver, QuintetDoesNotLinkLibTorch) {
    const fs::path dir = quintet::test::fresh_test_path("hand-over", "ldd");
    fs::create_directories(dir);
    ASSERT_EQ(shell_exit("ldd " QUINTET_BINARY_DIR "/quintet > " + (dir / "ldd.txt").string()), 0);
    const std::string libs = quintet::read_file(dir / "ldd.txt");
    EXPECT_EQ(libs.find("libtorch"), std::string::npos) << libs;
    EXPECT_EQ(libs.find("libc10"), std::string::npos) << libs;
    EXPECT_NE(libs.find("libc.so"), std::string::npos) << libs;  // ldd did list the libraries
}

TEST(HandOver, WithoutQuintetNnTheModelCommandsSayWhatIsMissing) {
    const fs::path dir = quintet::test::fresh_test_path("hand-over", "alone");
    fs::create_directories(dir);
    fs::copy_file(QUINTET_BINARY_DIR "/quintet", dir / "quintet");
    const std::string q = (dir / "quintet").string(), err = (dir / "err.txt").string();
    for (const std::string args :
         {"train vae --corpus x --out y", "generate run -o x.mid", "eval --model run -n 2", "studio --runs x"}) {
        EXPECT_EQ(shell_exit(q + " " + args + " > /dev/null 2> " + err), 2) << args;
        const std::string text = quintet::read_file(err);
        EXPECT_NE(text.find("quintet-nn is missing"), std::string::npos) << text;
        EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    }
    // The commands that use no model still work there.
    EXPECT_EQ(shell_exit(q + " version > " + (dir / "v.txt").string()), 0);
    EXPECT_NE(quintet::read_file(dir / "v.txt").find("torch:off"), std::string::npos);
    EXPECT_EQ(shell_exit(std::string(QUINTET_BINARY_DIR "/quintet version > ") + (dir / "v2.txt").string()), 0);
    EXPECT_NE(quintet::read_file(dir / "v2.txt").find("torch:on"), std::string::npos);
}
