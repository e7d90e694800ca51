// The frame RNN's network and likelihood: shapes, the NLL evaluator against a GRU computed by hand on a 3-step,
// 4-pitch case, the softmax modes' NLL against hand sums, and the --notes-per-step text.
#include <gtest/gtest.h>

#include <cmath>

#include "systems/frame_rnn/model.hpp"
#include "systems/frame_rnn/sample_options.hpp"
#include "util/error.hpp"

using namespace quintet;

TEST(FrameRnnModel, Shapes) {
    FrameRnn model(FrameRnnShape{5, 128, 32, 2, FrameOutput::Bernoulli, 0.1, 0.2});
    auto [logits, hidden] = model->forward(torch::zeros({3, 7, 640}));
    EXPECT_EQ(logits.sizes(), (std::vector<std::int64_t>{3, 7, 640}));
    EXPECT_EQ(hidden.sizes(), (std::vector<std::int64_t>{2, 3, 32}));
    EXPECT_EQ(model->step_nll(logits, torch::zeros({3, 7, 640})).sizes(), (std::vector<std::int64_t>{3, 7}));
    // One step from a cached state gives what the whole sequence gives at that step.
    model->eval();
    auto x = (torch::rand({1, 5, 640}) < 0.05).to(torch::kFloat);
    auto whole = model->forward(x).first;
    auto first = model->forward(x.narrow(1, 0, 4));
    auto step = model->forward(x.narrow(1, 4, 1), first.second).first;
    EXPECT_TRUE(torch::allclose(step[0][0], whole[0][4], 1e-5, 1e-6));
}

namespace {

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

// A GRU step by its defining equations (PyTorch's gate order r, z, n), in double.
std::vector<double> gru_step(const std::vector<double>& x, const std::vector<double>& h, const torch::Tensor& wih,
                             const torch::Tensor& whh, const torch::Tensor& bih, const torch::Tensor& bhh) {
    const std::size_t H = h.size();
    auto gate = [&](std::size_t row, bool input) {
        double s = input ? bih[std::int64_t(row)].item<double>() : bhh[std::int64_t(row)].item<double>();
        const auto& v = input ? x : h;
        for (std::size_t j = 0; j < v.size(); ++j)
            s += (input ? wih : whh)[std::int64_t(row)][std::int64_t(j)].item<double>() * v[j];
        return s;
    };
    std::vector<double> out(H);
    for (std::size_t i = 0; i < H; ++i) {
        const double r = sigmoid(gate(i, true) + gate(i, false));
        const double z = sigmoid(gate(H + i, true) + gate(H + i, false));
        const double n = std::tanh(gate(2 * H + i, true) + r * gate(2 * H + i, false));
        out[i] = (1 - z) * n + z * h[i];
    }
    return out;
}

}  // namespace

TEST(FrameRnnModel, NllEqualsAHandComputationOnThreeStepsOfFourPitches) {
    FrameRnn model(FrameRnnShape{1, 4, 2, 1, FrameOutput::Bernoulli, 0, 0});
    {
        torch::NoGradGuard no_grad;
        int k = 0;
        for (auto& p : model->parameters()) {
            auto flat = p.view({-1});
            for (std::int64_t i = 0; i < flat.numel(); ++i, ++k) flat[i] = 0.37 * std::sin(1.3 * k + 0.4);
        }
    }
    const auto params = model->named_parameters();
    const auto wih = params["gru.weight_ih_l0"], whh = params["gru.weight_hh_l0"], bih = params["gru.bias_ih_l0"],
               bhh = params["gru.bias_hh_l0"], wo = params["out.weight"], bo = params["out.bias"];
    // Two songs: the 3-step case, and a 2-step one batched with it (its padding must not count).
    const std::vector<std::vector<std::vector<double>>> songs = {{{1, 0, 0, 1}, {0, 1, 0, 0}, {0, 0, 0, 0}},
                                                                 {{0, 0, 1, 1}, {1, 1, 1, 1}}};
    double total = 0;
    for (const auto& song : songs) {
        std::vector<double> h(2, 0.0), input(4, 0.0);  // the first step is predicted from a zero frame
        for (const auto& target : song) {
            h = gru_step(input, h, wih, whh, bih, bhh);
            for (int i = 0; i < 4; ++i) {
                double logit = bo[i].item<double>();
                for (int j = 0; j < 2; ++j) logit += wo[i][j].item<double>() * h[std::size_t(j)];
                const double p = sigmoid(logit);
                total -= target[std::size_t(i)] ? std::log(p) : std::log(1 - p);
            }
            input = target;
        }
    }
    FrameSet set;
    set.spec = FrameSpec{1, {1}, 60, 4};
    for (const auto& song : songs) {
        set.start.push_back(set.steps());
        set.length.push_back(song.size());
        set.song.push_back(0);
        for (const auto& step : song)
            for (double v : step) set.cells.push_back(std::uint8_t(v));
    }
    const NllSum nll = sequence_nll(model, set, 8, torch::kCPU);
    EXPECT_EQ(nll.steps, 5);
    EXPECT_NEAR(nll.nll, total, 1e-5);
    EXPECT_NEAR(nll.mean(), total / 5, 1e-5);
    // Batches of one song give the same.
    EXPECT_NEAR(sequence_nll(model, set, 1, torch::kCPU).nll, total, 1e-5);
}

TEST(FrameRnnModel, SoftmaxModesNllIsMinusTheLogProbabilityOfTheStepsNotes) {
    const std::vector<float> l = {0.5f, -1.0f, 2.0f, 0.0f};
    const auto logits = torch::tensor(l).view({1, 1, 4});
    const auto targets = torch::tensor(std::vector<float>{1, 0, 1, 0}).view({1, 1, 4});
    auto logsumexp = [](double a, double b) { return std::log(std::exp(a) + std::exp(b)); };
    // One softmax over all four cells.
    const double all = std::log(std::exp(0.5) + std::exp(-1.0) + std::exp(2.0) + std::exp(0.0));
    FrameRnn softmax(FrameRnnShape{2, 2, 4, 1, FrameOutput::Softmax, 0, 0});
    EXPECT_NEAR(softmax->step_nll(logits, targets).item<double>(), (all - 0.5) + (all - 2.0), 1e-5);
    // One softmax per track of two cells.
    FrameRnn per(FrameRnnShape{2, 2, 4, 1, FrameOutput::PerInstrument, 0, 0});
    EXPECT_NEAR(per->step_nll(logits, targets).item<double>(), (logsumexp(0.5, -1.0) - 0.5) + (logsumexp(2.0, 0.0) - 2.0), 1e-5);
    // Silent steps are outside the softmax modes (they always draw notes), inside the Bernoulli one.
    const auto silent = torch::zeros({1, 2, 4});
    silent[0][1][3] = 1;
    EXPECT_EQ(per->modelled_steps(silent).sum().item<float>(), 1.0f);
    FrameRnn bern(FrameRnnShape{2, 2, 4, 1, FrameOutput::Bernoulli, 0, 0});
    EXPECT_EQ(bern->modelled_steps(silent).sum().item<float>(), 2.0f);
}

TEST(FrameRnnModel, NotesPerStepText) {
    const std::vector<int> lpd = {1, 2, 3, 4, 0};  // piano, guitar, bass, strings, drums
    EXPECT_EQ(parse_notes_per_step("piano=2,guitar=3", lpd, true, 128), (std::vector<int>{2, 3, 0, 0, 0}));
    EXPECT_EQ(parse_notes_per_step("drums=1,Bass=2", lpd, true, 128), (std::vector<int>{0, 0, 2, 0, 1}));
    EXPECT_EQ(parse_notes_per_step("2", lpd, true, 128), (std::vector<int>(5, 2)));
    EXPECT_EQ(parse_notes_per_step("", lpd, true, 128), (std::vector<int>{2, 3, 1, 2, 2}));
    EXPECT_EQ(parse_notes_per_step("4", lpd, false, 128), (std::vector<int>{4}));
    EXPECT_EQ(parse_notes_per_step("", lpd, false, 128), (std::vector<int>{6}));
    for (const char* bad : {"piano=2,flute=1", "piano=2,piano=3", "piano=x", "piano=-1", "piano=200", "piano", "piano=2,",
                            "=2", "0", "piano=0", "two", "2.5"}) {
        try {
            parse_notes_per_step(bad, lpd, true, 128);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const UsageError& e) {
            EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
            EXPECT_NE(std::string(e.what()).find("--notes-per-step"), std::string::npos) << e.what();
        }
    }
    EXPECT_THROW(parse_notes_per_step("piano=2", {1}, false, 88), UsageError);  // softmax: one number
    EXPECT_THROW(parse_notes_per_step("guitar=2", {1}, true, 88), UsageError);  // the run has no guitar
}

#include "systems/frame_rnn/generator.hpp"

TEST(FrameRnnModel, TheGenerationStepperGivesTheModulesLogits) {
    for (int layers : {1, 2}) {
        torch::manual_seed(layers);
        FrameRnn model(FrameRnnShape{5, 128, 24, layers, FrameOutput::Bernoulli, 0, 0});
        model->eval();
        const auto x = (torch::rand({1, 12, 640}) < 0.03).to(torch::kFloat);
        torch::NoGradGuard no_grad;
        auto frames = torch::zeros({1, 13, 640});
        frames.narrow(1, 1, 12).copy_(x);  // the zero frame first, as generation starts
        const auto expected = model->forward(frames).first[0];
        FrameRnnStepper stepper(model);
        stepper.reset();
        const auto bytes = frames[0].to(torch::kUInt8).contiguous();
        for (int t = 0; t < 13; ++t) {
            const auto& logits = stepper.step(bytes[t].data_ptr<std::uint8_t>());
            EXPECT_TRUE(torch::allclose(logits, expected[t], 1e-4, 1e-5)) << "layers " << layers << " step " << t;
        }
    }
}

TEST(FrameRnnModel, BatchesShiftInputsAndTargetsAndKeepDrums) {
    // One song of 3 steps, tracks piano (pitches 0..3) and drums (0..3).
    FrameSet set;
    set.spec = FrameSpec{1, {1, 0}, 60, 4};
    set.cells = {1, 0, 0, 1, /*drums*/ 1, 0, 0, 0,  //
                 0, 1, 0, 0, /*drums*/ 0, 1, 0, 0,  //
                 0, 0, 1, 0, /*drums*/ 0, 0, 1, 0};
    set.start = {0};
    set.length = {3};
    set.song = {0};
    const auto windows = frame_windows(set, 2);  // pieces [0, 2) and [2, 3)
    ASSERT_EQ(windows.size(), 2u);
    const FrameBatch b = make_batch(set, windows, {0, 1}, torch::kCPU, {1, -1});
    auto row = [](const torch::Tensor& t, int i, int s) {
        std::vector<int> v;
        for (int k = 0; k < 8; ++k) v.push_back(int(t[i][s][k].item<float>()));
        return v;
    };
    // Piece 0 moved up one: the piano note at the top of the range is dropped; the input of step 0 is the zero frame.
    EXPECT_EQ(row(b.targets, 0, 0), (std::vector<int>{0, 1, 0, 0, 1, 0, 0, 0}));
    EXPECT_EQ(row(b.targets, 0, 1), (std::vector<int>{0, 0, 1, 0, 0, 1, 0, 0}));
    EXPECT_EQ(row(b.inputs, 0, 0), (std::vector<int>(8, 0)));
    EXPECT_EQ(row(b.inputs, 0, 1), (std::vector<int>{0, 1, 0, 0, 1, 0, 0, 0}));
    // Piece 1 moved down one: its input is step 1 of the song, moved too; padding masked out.
    EXPECT_EQ(row(b.targets, 1, 0), (std::vector<int>{0, 1, 0, 0, 0, 0, 1, 0}));
    EXPECT_EQ(row(b.inputs, 1, 0), (std::vector<int>{1, 0, 0, 0, 0, 1, 0, 0}));
    EXPECT_EQ(b.mask[1][1].item<float>(), 0.0f);
    EXPECT_EQ(b.mask[0][1].item<float>(), 1.0f);
}
