// The strict rule of tests/support/skip_or_fail.hpp: a missing piece of the test set-up is a skip on a
// developer's machine and a failure under CI=true or QUINTET_STRICT=1. The outcome is caught with gtest's
// fake reporter, so this test itself neither skips nor fails while checking it.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "support/shared_data.hpp"
#include "support/skip_or_fail.hpp"

namespace {

// Sets (or, with nullptr, unsets) one variable for a scope and restores what the run had: the run
// may itself be under CI or have QUINTET_DATA set.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* v = std::getenv(name)) old_ = v;
        set(value);
    }
    ~ScopedEnv() { set(old_ ? old_->c_str() : nullptr); }

private:
    void set(const char* value) {
        if (value) setenv(name_, value, 1);
        else unsetenv(name_);
    }
    const char* name_;
    std::optional<std::string> old_;
};

struct StrictEnv {
    StrictEnv(const char* ci, const char* strict) : ci("CI", ci), strict("QUINTET_STRICT", strict) {}
    ScopedEnv ci, strict;
};

bool reached_after_macro = false;

void require_missing_data() {
    reached_after_macro = false;
    QUINTET_REQUIRE_SHARED_DATA("no-such-folder-quintet-test");
    reached_after_macro = true;
}

void skip_or_fail_oracle() {
    reached_after_macro = false;
    QUINTET_SKIP_OR_FAIL("oracle " << 42 << " not installed");
    reached_after_macro = true;
}

// Runs `body` with its test results captured; returns them.
template <class F>
std::vector<testing::TestPartResult> outcome(F body) {
    testing::TestPartResultArray results;
    {
        testing::ScopedFakeTestPartResultReporter reporter(
            testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
        body();
    }
    std::vector<testing::TestPartResult> out;
    for (int i = 0; i < results.size(); ++i) out.push_back(results.GetTestPartResult(i));
    return out;
}

TEST(SkipOrFail, StrictModeFollowsCiAndQuintetStrict) {
    {
        StrictEnv env(nullptr, nullptr);
        EXPECT_FALSE(quintet::test::strict_mode());
    }
    {
        StrictEnv env("false", "0");
        EXPECT_FALSE(quintet::test::strict_mode());
    }
    {
        StrictEnv env("true", nullptr);
        EXPECT_TRUE(quintet::test::strict_mode());
    }
    {
        StrictEnv env("1", nullptr);
        EXPECT_TRUE(quintet::test::strict_mode());
    }
    {
        StrictEnv env(nullptr, "1");
        EXPECT_TRUE(quintet::test::strict_mode());
    }
}

TEST(SkipOrFail, MissingDataSkipsWhenNotStrict) {
    StrictEnv env(nullptr, nullptr);
    const auto r = outcome(require_missing_data);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(r[0].skipped());
    EXPECT_NE(std::string(r[0].message()).find("shared data not found"), std::string::npos);
    EXPECT_NE(std::string(r[0].message()).find("no-such-folder-quintet-test"), std::string::npos);
    EXPECT_FALSE(reached_after_macro);
}

TEST(SkipOrFail, MissingDataFailsUnderCi) {
    StrictEnv env("true", nullptr);
    const auto r = outcome(require_missing_data);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(r[0].fatally_failed());
    EXPECT_NE(std::string(r[0].message()).find("no-such-folder-quintet-test"), std::string::npos);
    EXPECT_FALSE(reached_after_macro);
}

TEST(SkipOrFail, MissingOracleFailsUnderQuintetStrict) {
    StrictEnv env(nullptr, "1");
    const auto r = outcome(skip_or_fail_oracle);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(r[0].fatally_failed());
    EXPECT_NE(std::string(r[0].message()).find("oracle 42 not installed"), std::string::npos);
    EXPECT_FALSE(reached_after_macro);
}

TEST(SkipOrFail, PresentDataNeitherSkipsNorFailsUnderStrict) {
    StrictEnv env("true", "1");
    ScopedEnv data("QUINTET_DATA", std::filesystem::temp_directory_path().c_str());
    const auto r = outcome(require_missing_data);
    ASSERT_EQ(r.size(), 1u);  // the folder is still missing under a data dir that exists
    const auto present = outcome([] {
        reached_after_macro = false;
        QUINTET_REQUIRE_SHARED_DATA(".");
        reached_after_macro = true;
    });
    EXPECT_TRUE(present.empty());
    EXPECT_TRUE(reached_after_macro);
}

}  // namespace
