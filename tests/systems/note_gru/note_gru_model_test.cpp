// The note-GRU network: shapes, one token at a time equals the whole sequence, and the split NLL (batched,
// padded, chunked) equals the network written out by hand in doubles (naive_gru.hpp).
#include <gtest/gtest.h>

#include <unistd.h>

#include "naive_gru.hpp"
#include "nn/sampling.hpp"
#include "systems/note_gru/model.hpp"
#include "util/error.hpp"

using namespace quintet;

namespace {
NoteGruShape tiny_shape(bool all_layers) { return {7, 5, 4, 2, all_layers}; }
}  // namespace

TEST(NoteGruNet, Shapes) {
    torch::manual_seed(3);
    for (bool all : {true, false}) {
        NoteGruNet net(tiny_shape(all));
        torch::Tensor state;
        auto logits = net->forward(torch::randint(0, 7, {3, 11}, torch::kLong), state);
        EXPECT_EQ(logits.sizes(), (std::vector<std::int64_t>{3, 11, 7}));
        EXPECT_EQ(state.sizes(), (std::vector<std::int64_t>{2, 3, 4}));
        EXPECT_EQ(net->decoder->weight.size(1), all ? 8 : 4);  // every layer's state, or the top one's
    }
    NoteGruNet three(NoteGruShape{10, 96, 96, 3, true});
    EXPECT_EQ(three->grus.size(), 3u);
    EXPECT_EQ(three->decoder->weight.sizes(), (std::vector<std::int64_t>{10, 96 * 3}));
}

TEST(NoteGruNet, OneTokenAtATimeEqualsTheWholeSequence) {
    torch::manual_seed(4);
    NoteGruNet net(tiny_shape(true));
    torch::NoGradGuard no_grad;
    const auto ids = torch::randint(0, 7, {1, 9}, torch::kLong);
    torch::Tensor whole_state, step_state;
    const auto whole = net->forward(ids, whole_state);
    for (std::int64_t t = 0; t < 9; ++t) {
        const auto one = net->forward(ids.narrow(1, t, 1), step_state);
        EXPECT_TRUE(torch::allclose(one[0][0], whole[0][t], 1e-5, 1e-6)) << t;
    }
    EXPECT_TRUE(torch::allclose(step_state, whole_state, 1e-5, 1e-6));
}

TEST(NoteGruNet, SplitNllEqualsTheHandComputation) {
    torch::manual_seed(5);
    const std::vector<std::vector<std::int64_t>> sequences = {
        {1, 2, 3, 4, 5}, {6}, {0, 1, 2, 3, 4, 5, 6, 0, 1}, {2, 2}, {}, {3, 1, 4, 1, 5, 2, 6}};
    for (bool all : {true, false}) {
        NoteGruNet net(tiny_shape(all));
        test::NaiveGru naive(net);
        const auto [want, count] = naive.nll(sequences);
        EXPECT_EQ(count, 4 + 0 + 8 + 1 + 0 + 6);
        // Batches of 2 songs (padding inside a batch) and chunks of 3 steps (the state carried across chunks).
        const NllSum got = sequences_nll(net, sequences, torch::kCPU, 2, 3);
        EXPECT_EQ(got.tokens, count);
        EXPECT_NEAR(got.nll, want, 1e-4 * std::abs(want)) << (all ? "all-layers" : "top");
        const NllSum one_batch = sequences_nll(net, sequences, torch::kCPU, 16, 256);
        EXPECT_NEAR(one_batch.nll, want, 1e-4 * std::abs(want));
    }
}

TEST(NoteGruNet, CheckpointsCarryTheShape) {
    torch::manual_seed(6);
    const auto dir = std::filesystem::temp_directory_path() / ("note-gru-ckpt-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    NoteGruNet a(tiny_shape(true));
    save_net(dir / "model.pt", a);
    NoteGruNet b(tiny_shape(true));
    load_net(dir / "model.pt", b);
    auto pa = a->named_parameters(), pb = b->named_parameters();
    ASSERT_EQ(pa.size(), pb.size());
    for (const auto& item : pa) EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
    NoteGruNet other(NoteGruShape{8, 5, 4, 2, true});  // another vocabulary
    try {
        load_net(dir / "model.pt", other);
        ADD_FAILURE() << "loaded a checkpoint of another vocabulary";
    } catch (const FormatError& e) {
        EXPECT_NE(std::string(e.what()).find("vocabulary"), std::string::npos) << e.what();
    }
    NoteGruNet top(tiny_shape(false));
    EXPECT_THROW(load_net(dir / "model.pt", top), FormatError);
    std::filesystem::remove_all(dir);
}

TEST(NoteGruNet, CpuStepperEqualsTheModules) {
    torch::manual_seed(7);
    for (bool all : {true, false}) {
        NoteGruNet net(NoteGruShape{11, 6, 5, 3, all});
        NoteGruStepper stepper(weights_of(net));
        torch::NoGradGuard no_grad;
        const auto ids = torch::randint(0, 11, {1, 12}, torch::kLong);
        torch::Tensor state;
        const auto whole = net->forward(ids, state);
        std::vector<float> logits(11);
        for (std::int64_t t = 0; t < 12; ++t) {
            stepper.step(ids[0][t].item<std::int64_t>(), logits.data());
            const auto want = whole[0][t];
            for (std::int64_t v = 0; v < 11; ++v) EXPECT_NEAR(logits[std::size_t(v)], want[v].item<float>(), 1e-5) << t << " " << v;
        }
        EXPECT_THROW(stepper.step(11, logits.data()), UsageError);
    }
}
