// The option helpers both command lines (src/cli and the core build's src/cli_core) share.
#include <gtest/gtest.h>

#include "systems/vae_nn/sample_options.hpp"

namespace quintet {
namespace {

TEST(VaeNnOptions, NoiseAtTakesPredictedOrInput) {
    EXPECT_EQ(parse_noise_at("predicted"), NoiseAt::Predicted);
    EXPECT_EQ(parse_noise_at("input"), NoiseAt::Input);
    EXPECT_THROW(parse_noise_at("Input"), UsageError);
    EXPECT_THROW(parse_noise_at(""), UsageError);
}

TEST(VaeNnOptions, AtMostOneSeedSource) {
    VaeNnGenerateOptions o;
    choose_seed_source(o, "", false, false);
    EXPECT_EQ(o.seed_source, SeedSource::Auto);
    choose_seed_source(o, "a.mid", false, false);
    EXPECT_EQ(o.seed_source, SeedSource::File);
    EXPECT_EQ(o.seed_file, "a.mid");
    VaeNnGenerateOptions c;
    choose_seed_source(c, "", true, false);
    EXPECT_EQ(c.seed_source, SeedSource::Corpus);
    VaeNnGenerateOptions r;
    choose_seed_source(r, "", false, true);
    EXPECT_EQ(r.seed_source, SeedSource::Random);
    VaeNnGenerateOptions two;
    EXPECT_THROW(choose_seed_source(two, "a.mid", false, true), UsageError);
    EXPECT_THROW(choose_seed_source(two, "", true, true), UsageError);
    EXPECT_THROW(choose_seed_source(two, "a.mid", true, false), UsageError);
    EXPECT_EQ(two.seed_source, SeedSource::Auto);  // nothing changed by a refused choice
}

}  // namespace
}  // namespace quintet
