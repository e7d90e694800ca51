#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "nn/sampling.hpp"
#include "util/error.hpp"

using namespace quintet;

namespace {

// Logits whose softmax is exactly (1, 2, 3) / 6.
torch::Tensor one_two_three() { return torch::tensor({0.0, std::log(2.0), std::log(3.0)}, torch::kDouble); }

void expect_near(const std::vector<double>& got, const std::vector<double>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << "outcome " << i;
}

}  // namespace

TEST(Sampling, DistributionIsSoftmaxOfLogitsOverTemperature) {
    expect_near(token_distribution(one_two_three(), {}), {1.0 / 6, 2.0 / 6, 3.0 / 6});
    TokenSampling hot;
    hot.temperature = 2;  // exp(log(k) / 2) = sqrt(k)
    const double z = 1 + std::sqrt(2.0) + std::sqrt(3.0);
    expect_near(token_distribution(one_two_three(), hot), {1 / z, std::sqrt(2.0) / z, std::sqrt(3.0) / z});
    // Large logits do not overflow.
    expect_near(token_distribution(torch::tensor({1000.0f, 1000.0f}), {}), {0.5, 0.5});
}

TEST(Sampling, TopKAndTopPKeepTheMostLikelyOutcomes) {
    TokenSampling k2;
    k2.top_k = 2;
    expect_near(token_distribution(one_two_three(), k2), {0, 0.4, 0.6});
    TokenSampling p_half;
    p_half.top_p = 0.5;  // 3/6 alone reaches 0.5
    expect_near(token_distribution(one_two_three(), p_half), {0, 0, 1});
    TokenSampling p_six;
    p_six.top_p = 0.6;  // 3/6 < 0.6 <= 5/6
    expect_near(token_distribution(one_two_three(), p_six), {0, 0.4, 0.6});
    TokenSampling greedy;
    greedy.greedy = true;
    expect_near(token_distribution(torch::tensor({2.0, 5.0, 5.0}), greedy), {0, 1, 0});  // ties: lower index
}

TEST(Sampling, DrawFrequenciesFollowTheDistribution) {
    SamplingRng rng(7);
    std::vector<int> counts(3, 0);
    const int n = 60000;
    for (int i = 0; i < n; ++i) ++counts[static_cast<std::size_t>(sample_token(one_two_three(), {}, rng))];
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(counts[i] / double(n), (i + 1) / 6.0, 0.01) << "outcome " << i;
}

TEST(Sampling, SameSeedSameDraws) {
    SamplingRng a(42), b(42), c(43);
    std::vector<std::int64_t> da, db, dc;
    for (int i = 0; i < 50; ++i) {
        da.push_back(sample_token(one_two_three(), {}, a));
        db.push_back(sample_token(one_two_three(), {}, b));
        dc.push_back(sample_token(one_two_three(), {}, c));
    }
    EXPECT_EQ(da, db);
    EXPECT_NE(da, dc);
}

TEST(Sampling, DistinctDrawsAreDistinctAndStopAtTheSupport) {
    SamplingRng rng(3);
    for (int trial = 0; trial < 200; ++trial) {
        auto got = sample_distinct(one_two_three(), 2, {}, rng);
        ASSERT_EQ(got.size(), 2u);
        EXPECT_NE(got[0], got[1]);
    }
    EXPECT_EQ(sample_distinct(one_two_three(), 5, {}, rng).size(), 3u);  // only three outcomes
    TokenSampling k1;
    k1.top_k = 1;
    EXPECT_EQ(sample_distinct(one_two_three(), 3, k1, rng), (std::vector<std::int64_t>{2}));
    TokenSampling greedy;
    greedy.greedy = true;
    EXPECT_EQ(sample_distinct(torch::tensor({0.1, 0.9, 0.5, 0.7}), 3, greedy, rng), (std::vector<std::int64_t>{1, 3, 2}));
    EXPECT_TRUE(sample_distinct(one_two_three(), 0, {}, rng).empty());
}

TEST(Sampling, BernoulliCellsFollowTheirProbabilities) {
    SamplingRng rng(11);
    auto p = torch::tensor({0.0, 1.0, 0.3}).repeat({20000});
    auto drawn = sample_bernoulli(p, rng).view({20000, 3});
    EXPECT_EQ(drawn.select(1, 0).sum().item<double>(), 0);
    EXPECT_EQ(drawn.select(1, 1).sum().item<double>(), 20000);
    EXPECT_NEAR(drawn.select(1, 2).mean().item<double>(), 0.3, 0.01);
    // Temperature 0.5 doubles the logit: 0.3 -> 1 / (1 + (7/3)^2) = 0.1552
    auto cold = sample_bernoulli(torch::full({40000}, 0.3), rng, 0.5);
    EXPECT_NEAR(cold.mean().item<double>(), 1 / (1 + (7.0 / 3) * (7.0 / 3)), 0.01);
}

TEST(Sampling, BadSettingsAreUsageErrors) {
    SamplingRng rng(1);
    TokenSampling s;
    s.temperature = 0;
    EXPECT_THROW(sample_token(one_two_three(), s, rng), UsageError);
    s = {};
    s.top_p = 1.5;
    EXPECT_THROW(sample_token(one_two_three(), s, rng), UsageError);
    s = {};
    s.top_k = -1;
    EXPECT_THROW(sample_token(one_two_three(), s, rng), UsageError);
    EXPECT_THROW(sample_bernoulli(torch::ones({2}), rng, 0), UsageError);
    EXPECT_THROW(sample_token(torch::tensor({0.0, std::nan("")}), {}, rng), Error);
    EXPECT_THROW(sample_token(torch::zeros({2, 2}), {}, rng), Error);
}

// MusicAutobot's repeat penalty by hand: ln((r + 1) / 4) / 5 of the temperature, never negative.
TEST(RepeatPenalty, RaisesTheTemperatureFromTheFourthRepeat) {
    EXPECT_DOUBLE_EQ(quintet::repeat_penalty_temperature(1.0, 0), 1.0);
    EXPECT_DOUBLE_EQ(quintet::repeat_penalty_temperature(0.8, 3), 0.8);  // ln(1) = 0
    EXPECT_NEAR(quintet::repeat_penalty_temperature(1.0, 7), 1.0 + 0.6931471805599453 / 5, 1e-15);  // ln 2 / 5
    EXPECT_NEAR(quintet::repeat_penalty_temperature(0.5, 15), 0.5 * (1 + 1.3862943611198906 / 5), 1e-15);  // ln 4 / 5
}
