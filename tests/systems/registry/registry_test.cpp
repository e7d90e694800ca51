// The registry and the option tables every front end is built from.
#include <gtest/gtest.h>

#include <set>

#include "systems/registry.hpp"
#include "systems/request_options.hpp"
#include "util/error.hpp"

using namespace quintet;

TEST(Registry, KindsAreUniqueAndEachSystemHasItsTables) {
    std::set<std::string> names;
    for (const auto& e : registered_systems()) {
        EXPECT_TRUE(names.insert(e.kind).second) << e.kind;
        for (const auto& a : e.aliases) EXPECT_TRUE(names.insert(a).second) << a;
        auto system = e.make();
        EXPECT_EQ(system->kind(), e.kind);
        EXPECT_FALSE(system->summary().empty());
        // A system's own options never shadow the shared ones (one spelling per meaning).
        TrainRequest tr;
        SampleRequest sr;
        std::string device;
        const OptionTable shared_train = train_request_options(tr), shared_sample = sample_request_options(sr, device);
        const auto train = system->train_settings(), sample = system->sample_settings();
        for (const auto& o : train->options()) EXPECT_EQ(find_option(shared_train, o.name), nullptr) << o.name;
        for (const auto& o : sample->options()) EXPECT_EQ(find_option(shared_sample, o.name), nullptr) << o.name;
    }
    EXPECT_EQ(make_system("vae")->kind(), "vae-nn");
    try {
        make_system("theremin");
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("known: note-rnn, frame-rnn, cnn, vae-nn, gan, transformer"), std::string::npos) << e.what();
    }
}

TEST(OptionTable, SettersParseStrictlyAndChoicesAreChecked) {
    int n = 3;
    double x = 0.5;
    std::string mode = "direct";
    bool flag = false;
    std::vector<std::filesystem::path> files;
    std::uint64_t seed = 1;
    OptionTable t = {int_option("--n", "count", n), double_option("--x", "value", x),
                     text_option("--mode", "mode", mode, {"direct", "residual"}), flag_option("--flag", "flag", flag),
                     path_list_option("--file", "files", files), seed_option("--seed", "seed", seed)};
    t[0].aliases = {"--count"};
    EXPECT_EQ(t[0].default_value, "3");
    EXPECT_EQ(t[1].default_value, "0.5");
    set_option(t, "--count", "12");
    set_option(t, "--x", "-2.25");
    set_option(t, "--mode", "residual");
    set_option(t, "--flag", "true");
    set_option(t, "--file", "a.mid");
    set_option(t, "--file", "b.mid");
    set_option(t, "--seed", "18446744");
    EXPECT_EQ(n, 12);
    EXPECT_EQ(x, -2.25);
    EXPECT_EQ(mode, "residual");
    EXPECT_TRUE(flag);
    EXPECT_EQ(files.size(), 2u);
    EXPECT_EQ(seed, 18446744u);
    for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"--n", "1.5"}, {"--n", ""}, {"--n", "99999999999"}, {"--x", "nan"}, {"--x", "1e"}, {"--mode", "other"},
             {"--seed", "-1"}, {"--nope", "1"}})
        EXPECT_THROW(set_option(t, name, value), UsageError) << name << " " << value;
    EXPECT_EQ(n, 12);  // a refused value changes nothing
}

TEST(RequestOptions, SharedNamesAndChecks) {
    SampleRequest r;
    std::string device = "cpu";
    const OptionTable t = sample_request_options(r, device);
    for (const char* name : {"--bars", "--seed", "--tempo", "--prime", "--device"}) EXPECT_NE(find_option(t, name), nullptr) << name;
    set_option(t, "--bars", "8");
    set_option(t, "--device", "cuda:1");
    EXPECT_EQ(r.bars, 8);
    EXPECT_EQ(device, "cuda:1");
    EXPECT_NO_THROW(check_sample_request(r));
    r.bars = 0;
    EXPECT_THROW(check_sample_request(r), UsageError);
    r.bars = 1;
    r.tempo = 0;
    EXPECT_THROW(check_sample_request(r), UsageError);
}
