// One description of a system's generation knobs for the CLI and the studio: the form is the option tables
// (name, type, range, default, choices), and values are checked by the tables' own setters.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "studio/knob_form.hpp"
#include "systems/registry.hpp"
#include "systems/request_options.hpp"
#include "util/error.hpp"

using namespace quintet;
using nlohmann::json;

namespace {

json knob(const json& form, const std::string& name) {
    for (const auto& k : form)
        if (k["name"] == name) return k;
    return nullptr;
}

std::filesystem::path no_uploads(const std::string& id) { throw UsageError("unknown upload '" + id + "'"); }

std::string usage_error(const std::function<void()>& f) {
    try {
        f();
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(KnobForm, EverySystemsFormComesFromItsTables) {
    for (const auto& entry : registered_systems()) {
        const auto system = entry.make();
        const json form = studio::generation_form_json(*system);
        // The shared options first, in their order, then exactly the system's own table.
        const auto own = system->sample_settings();
        ASSERT_EQ(form.size(), 4 + own->options().size()) << entry.kind;
        EXPECT_EQ(form[0]["name"], "--bars");
        EXPECT_EQ(form[0]["type"], "integer");
        EXPECT_EQ(form[0]["min"], 1);
        EXPECT_EQ(form[0]["default"], "64");
        EXPECT_TRUE(knob(form, "--device").is_null()) << entry.kind << ": the server's device is not a knob";
        for (std::size_t i = 0; i < own->options().size(); ++i) {
            EXPECT_EQ(form[4 + i]["name"], own->options()[i].name);
            EXPECT_EQ(form[4 + i]["help"], own->options()[i].help);
        }
    }
    const json vae = studio::generation_form_json(*make_system("vae-nn"));
    EXPECT_EQ(knob(vae, "--alpha")["type"], "number");
    EXPECT_EQ(knob(vae, "--alpha")["min"], 0);
    EXPECT_EQ(knob(vae, "--alpha")["max"], 1);
    EXPECT_EQ(knob(vae, "--alpha")["default"], "0.5");
    EXPECT_EQ(knob(vae, "--noise-at")["choices"], json({"predicted", "input"}));
    EXPECT_EQ(knob(vae, "--seed-random")["type"], "flag");
    EXPECT_EQ(knob(vae, "--style")["type"], "paths");
    EXPECT_EQ(knob(vae, "--prime")["type"], "path");
}

TEST(KnobForm, ValuesAreCheckedAndWrittenAsTheCliTakesThem) {
    const auto vae = make_system("vae-nn");
    const json k = studio::canonical_knobs(*vae, {{"--noise-sd", 0.7}, {"--blocks", 3}, {"--seed-random", true}, {"--velocity", false}},
                                           no_uploads);
    EXPECT_EQ(k, json({{"--noise-sd", "0.7"}, {"--blocks", "3"}, {"--seed-random", true}, {"--bars", "64"}, {"--seed", "1"},
                       {"--tempo", "120"}}));
    // The applied settings are the ones the CLI's parse of the same texts gives.
    auto applied = studio::apply_knobs(*vae, k, "cpu", no_uploads);
    EXPECT_EQ(applied->request.bars, 64);
    EXPECT_EQ(applied->request.seed, 1u);
    EXPECT_EQ(usage_error([&] { studio::canonical_knobs(*vae, {{"--alpha", 2}}, no_uploads); }),
              "--alpha must be between 0 and 1, got 2");
    EXPECT_EQ(usage_error([&] { studio::canonical_knobs(*vae, {{"--tempo", 0}}, no_uploads); }),
              "--tempo must be between 1 and 1000, got 0");
    EXPECT_EQ(usage_error([&] { studio::canonical_knobs(*vae, {{"--bars", "two"}}, no_uploads); }),
              "--bars: expected an integer, got 'two'");
    EXPECT_EQ(usage_error([&] { studio::canonical_knobs(*vae, {{"--seed-random", "yes"}}, no_uploads); }),
              "--seed-random: expected true or false");
    EXPECT_EQ(usage_error([&] { studio::canonical_knobs(*vae, {{"--noise-sd", json::array()}}, no_uploads); }),
              "--noise-sd: expected a number or a text, got array");
    EXPECT_EQ(usage_error([&] { studio::canonical_knobs(*vae, {{"--style", {"x.mid"}}}, no_uploads); }), "unknown upload 'x.mid'");
    EXPECT_EQ(usage_error([&] { studio::canonical_knobs(*vae, json::array(), no_uploads); }),
              "knobs: expected an object of option names and values");
}

TEST(KnobForm, RangesGuardTheCommandLineToo) {
    // The same table entry the CLI parses with: out of range is the same one line.
    SampleRequest request;
    std::string device;
    auto shared = sample_request_options(request, device);
    EXPECT_EQ(usage_error([&] { set_option(shared, "--bars", "10001"); }), "--bars must be between 1 and 10000, got 10001");
    set_option(shared, "--bars", "10000");
    EXPECT_EQ(request.bars, 10000);
    Option lower_only = ranged(double_option("--x", "", request.tempo), 0.5, {});
    EXPECT_EQ(usage_error([&] { lower_only.set("0.25"); }), "--x must be at least 0.5, got 0.25");
    lower_only.set("1e6");
    EXPECT_EQ(request.tempo, 1e6);
}

// The page offers the locks of keep-and-regenerate where a system's form has both --from and --keep: the
// VAE-NN, the frame RNN, the CNNs, the GAN and the Transformer-XL; the note RNN (one instrument) has neither.
TEST(KnobForm, KeepAndRegenerateIsInTheFormsOfTheSystemsThatCanDoIt) {
    for (const auto& entry : registered_systems()) {
        const json form = studio::generation_form_json(*entry.make());
        const bool from = !knob(form, "--from").is_null(), keep = !knob(form, "--keep").is_null();
        EXPECT_EQ(from, keep) << entry.kind;
        const bool expected = entry.kind != "note-rnn";
        EXPECT_EQ(keep, expected) << entry.kind;
        if (keep) {
            EXPECT_EQ(knob(form, "--from")["type"], "path") << entry.kind;  // a song of the history or an upload
            EXPECT_EQ(knob(form, "--keep")["type"], "text") << entry.kind;
        }
    }
}
