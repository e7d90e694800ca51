// Transformer-XL network: the relative attention against a naive loop over heads, queries and keys; segment
// memory against one long segment; the generation cache against the full forward pass.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/hash_dropout.hpp"
#include "systems/transformer/model.hpp"

using namespace quintet;

namespace {
TransformerXlConfig tiny(int mem_len) {
    TransformerXlConfig c;
    c.vocab = 20;
    c.layers = 2;
    c.d_model = 8;
    c.heads = 2;
    c.d_head = 4;
    c.d_inner = 16;
    c.mem_len = mem_len;
    c.dropout = 0.1;
    return c;
}
}  // namespace

TEST(TransformerXlModel, RelativeAttentionEqualsANaiveComputation) {
    torch::manual_seed(3);
    const int D = 4, H = 2, dh = 3, M = 2, T = 3;
    RelativeAttention attn(D, H, dh, 0.0);
    attn->to(torch::kDouble);
    attn->eval();
    auto opts = torch::TensorOptions().dtype(torch::kDouble);
    auto x = torch::randn({1, T, D}, opts), mem = torch::randn({1, M, D}, opts);
    auto u = torch::randn({H, dh}, opts), v = torch::randn({H, dh}, opts);
    torch::Tensor got;
    {
        torch::NoGradGuard g;
        got = attn(x, attn->project_kv(mem), u, v);
    }
    auto W = attn->qkv->weight.detach(), Wo = attn->out->weight.detach(), Wr = attn->r_proj->weight.detach();
    auto z = torch::cat({mem, x}, 1)[0];  // positions 0..M+T-1
    auto row = [&](int part, int h, int c) { return W[part * H * dh + h * dh + c]; };
    for (int i = 0; i < T; ++i) {
        std::vector<double> vec(H * dh, 0.0);
        for (int h = 0; h < H; ++h) {
            std::vector<double> scores;
            for (int j = 0; j <= M + i; ++j) {
                const int d = M + i - j;
                std::vector<double> r(D);
                for (int f = 0; f < D / 2; ++f) {
                    const double angle = d * std::pow(10000.0, -2.0 * f / D);
                    r[f] = std::sin(angle);
                    r[f + D / 2] = std::cos(angle);
                }
                double s = 0;
                for (int c = 0; c < dh; ++c) {
                    const double q = row(0, h, c).dot(x[0][i]).item<double>();
                    const double k = row(1, h, c).dot(z[j]).item<double>();
                    double wr = 0;
                    for (int f = 0; f < D; ++f) wr += Wr[h * dh + c][f].item<double>() * r[f];
                    s += (q + u[h][c].item<double>()) * k + (q + v[h][c].item<double>()) * wr;
                }
                scores.push_back(s / std::sqrt(double(dh)));
            }
            double mx = *std::max_element(scores.begin(), scores.end()), sum = 0;
            for (double& s : scores) sum += (s = std::exp(s - mx));
            for (int j = 0; j <= M + i; ++j)
                for (int c = 0; c < dh; ++c)
                    vec[h * dh + c] += scores[j] / sum * row(2, h, c).dot(z[j]).item<double>();
        }
        std::vector<double> y(D);
        double mean = 0, var = 0;
        for (int o = 0; o < D; ++o) {
            double s = x[0][i][o].item<double>();
            for (int e = 0; e < H * dh; ++e) s += Wo[o][e].item<double>() * vec[e];
            y[o] = s;
            mean += s / D;
        }
        for (double s : y) var += (s - mean) * (s - mean) / D;
        for (int o = 0; o < D; ++o)
            EXPECT_NEAR(got[0][i][o].item<double>(), (y[o] - mean) / std::sqrt(var + 1e-5), 1e-9) << i << "," << o;
    }
}

TEST(TransformerXlModel, MemoryCarriesTheFirstSegmentsContext) {
    torch::manual_seed(5);
    TransformerXl model(tiny(8));
    model->to(torch::kDouble);
    model->eval();
    torch::NoGradGuard g;
    auto tokens = torch::randint(0, 20, {2, 16}, torch::kLong);
    auto whole = model(tokens);
    XlMemory mem;
    model(tokens.slice(1, 0, 8), XlMemory{}, &mem);
    ASSERT_EQ(mem.hidden.size(), 2u);
    EXPECT_EQ(mem.hidden[0].size(1), 8);
    auto second = model(tokens.slice(1, 8), mem);
    EXPECT_TRUE(torch::allclose(second, whole.slice(1, 8), 1e-10, 1e-10));
    // Without memory the second segment's logits differ: the memory is what carried the context.
    EXPECT_GT((model(tokens.slice(1, 8)) - whole.slice(1, 8)).abs().max().item<double>(), 1e-6);
}

TEST(TransformerXlModel, MemoryKeepsMemLenPositionsWithoutGradient) {
    torch::manual_seed(6);
    TransformerXl model(tiny(5));
    model->train();
    auto tokens = torch::randint(0, 20, {1, 8}, torch::kLong);
    XlMemory mem;
    auto logits = model(tokens, XlMemory{}, &mem);
    EXPECT_TRUE(logits.requires_grad());
    for (auto& h : mem.hidden) {
        EXPECT_FALSE(h.requires_grad());
        EXPECT_EQ(h.size(1), 5);
    }
    XlMemory next;
    model(tokens.slice(1, 0, 3), mem, &next);  // memory 5 + segment 3: the last 5 are kept
    EXPECT_EQ(next.hidden[1].size(1), 5);
}

TEST(TransformerXlModel, CachedStepsEqualTheFullForwardPass) {
    torch::manual_seed(7);
    TransformerXl model(tiny(16));
    model->to(torch::kDouble);
    model->eval();
    torch::NoGradGuard g;
    auto tokens = torch::randint(0, 20, {1, 12}, torch::kLong);
    auto whole = model(tokens);
    XlCache cache;
    auto first = model->step(tokens.slice(1, 0, 4), cache);  // a primer in one go, then one token at a time
    EXPECT_TRUE(torch::allclose(first, whole.slice(1, 0, 4), 1e-10, 1e-10));
    for (int t = 4; t < 12; ++t) {
        auto one = model->step(tokens.slice(1, t, t + 1), cache);
        EXPECT_TRUE(torch::allclose(one[0][0], whole[0][t], 1e-10, 1e-10)) << t;
    }
    EXPECT_EQ(cache.positions(), 12);
}

TEST(TransformerXlModel, CachedStepsPastMemLenEqualOneTokenSegmentsThroughMemory) {
    // Once more tokens than mem_len went by, the cache keeps the last mem_len keys/values of each layer: the
    // same as segments of one token carrying the memory of hidden states (whose keys are projected again).
    torch::manual_seed(8);
    TransformerXl model(tiny(5));
    model->to(torch::kDouble);
    model->eval();
    torch::NoGradGuard g;
    auto tokens = torch::randint(0, 20, {1, 23}, torch::kLong);
    auto positions = torch::arange(23, torch::kLong).mul(5).view({1, -1});  // past a bar of 32 steps too
    std::vector<torch::Tensor> expected;
    XlMemory mem;
    for (int t = 0; t < 23; ++t) {
        XlMemory next;
        expected.push_back(model(tokens.slice(1, t, t + 1), mem, &next, positions.slice(1, t, t + 1))[0][0]);
        mem = std::move(next);
    }
    XlCache cache;
    auto first = model->step(tokens.slice(1, 0, 3), cache, positions.slice(1, 0, 3));
    for (int t = 0; t < 3; ++t) EXPECT_TRUE(torch::allclose(first[0][t], expected[std::size_t(t)], 1e-10, 1e-10)) << t;
    for (int t = 3; t < 23; ++t) {  // the buffer of 10 positions is compacted twice on the way
        auto one = model->step(tokens.slice(1, t, t + 1), cache, positions.slice(1, t, t + 1));
        EXPECT_TRUE(torch::allclose(one[0][0], expected[std::size_t(t)], 1e-10, 1e-10)) << t;
        EXPECT_EQ(cache.positions(), std::min(t + 1, 5));
    }
    // Attending to the whole song instead gives other late logits: the window is what was kept.
    EXPECT_GT((expected.back() - model(tokens, XlMemory{}, nullptr, positions)[0][22]).abs().max().item<double>(), 1e-6);
}

TEST(TransformerXlModel, PositionsEnterAsBeatAndBarEmbeddings) {
    torch::manual_seed(9);
    TransformerXl model(tiny(8));
    model->to(torch::kDouble);
    model->eval();
    torch::NoGradGuard g;
    auto tokens = torch::randint(0, 20, {1, 6}, torch::kLong);
    auto at = [&](std::int64_t step) { return model(tokens, XlMemory{}, nullptr, torch::full({1, 6}, step, torch::kLong)); };
    // The input is embed[token] + beat[step % 32] + bar[min(step / 32, 1023)]: set by hand, the same logits.
    auto x = model->embed->weight.index({tokens[0]}) + model->beat_embed->weight[7] + model->bar_embed->weight[3];
    EXPECT_TRUE(torch::allclose(model->embed_input(tokens, torch::full({1, 6}, 3 * 32 + 7, torch::kLong))[0], x, 1e-12, 1e-12));
    EXPECT_GT((at(3 * 32 + 7) - at(7)).abs().max().item<double>(), 1e-6);       // the bar counts
    EXPECT_GT((at(3 * 32 + 7) - at(3 * 32 + 8)).abs().max().item<double>(), 1e-6);  // the step within the bar counts
    EXPECT_TRUE(torch::allclose(at(1023 * 32 + 7), at(5000 * 32 + 7), 1e-12, 1e-12));  // bars past 1023 share the last
}

TEST(TransformerXlModel, MusicAutobotPreset) {
    const auto c = TransformerXlConfig::musicautobot(312);
    EXPECT_EQ(c.layers, 16);
    EXPECT_EQ(c.d_model, 512);
    EXPECT_EQ(c.heads * c.d_head, 512);
    EXPECT_EQ(c.d_inner, 2048);
    EXPECT_EQ(c.mem_len, 512);
}

TEST(TransformerXlModel, TrainingLossesEqualTheGatherFormulation) {
    // forward() takes the position term as a view of a [T, K + 1] product; the former code gathered it from a
    // [T, K] product. Without dropout, training steps (memory carried, AdamW, clipping) give the same losses.
    auto c = tiny(6);
    c.dropout = 0;
    c.d_model = 16;
    c.d_head = 8;
    torch::manual_seed(5);
    TransformerXl view_model(c), gather_model(c);
    {
        torch::NoGradGuard g;
        auto target = gather_model->named_parameters();
        for (auto& p : view_model->named_parameters()) {
            p.value().normal_(0.0, 0.3);
            target[p.key()].copy_(p.value());
        }
    }
    for (const auto& layer : *gather_model->layers) layer->as<XlLayerImpl>()->attn->shift_by_gather = true;
    auto tokens = torch::randint(c.vocab, {2, 4 * 5 + 1}, torch::kLong);
    auto positions = torch::arange(2 * (4 * 5 + 1), torch::kLong).view({2, -1}) * 3;
    auto train = [&](TransformerXl& model) {
        model->train();
        torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(1e-2).weight_decay(0.01));
        XlMemory memory;
        std::vector<double> losses;
        for (int s = 0; s < 4; ++s) {
            XlMemory next;
            auto logits = model(tokens.narrow(1, s * 5, 5), memory, &next, positions.narrow(1, s * 5, 5));
            memory = std::move(next);
            auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, c.vocab}), tokens.narrow(1, s * 5 + 1, 5).reshape({-1}));
            opt.zero_grad();
            loss.backward();
            torch::nn::utils::clip_grad_norm_(model->parameters(), 0.5);
            opt.step();
            losses.push_back(loss.item<double>());
        }
        return losses;
    };
    const auto a = train(view_model), b = train(gather_model);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5 * std::abs(b[i])) << "step " << i;
    EXPECT_GT(std::abs(a.front() - a.back()), 1e-3);  // the steps did change the weights
}
