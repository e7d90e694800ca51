// The CPU fast path (CnnInference) against the nets' conv modules on real ../shared/data/lpd5 windows, their
// binarised forms, empty, single-note and dense blocks, for both encoder layouts and both outputs; the mapped
// model.pt reader against torch's loader; foreign and damaged checkpoints.
#include <gtest/gtest.h>

#include <fstream>

#include "corpus/store.hpp"
#include "nn/batches.hpp"
#include "support/tiny_store.hpp"
#include "systems/cnn/batch_norm_noise.hpp"
#include "systems/cnn/inference.hpp"
#include "systems/cnn/run_info.hpp"
#include "systems/cnn/run_model.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {

using test::randomise_batch_norm;

// Blocks [N, 32, 128]: real windows (velocities / 127), the same binarised at 0.8, an empty block, one note,
// and a dense random block.
torch::Tensor test_blocks() {
    auto store = CorpusStore::open(test::default_tiny_store());
    const auto set = store_windows(store, Split::Train, cnn_window_spec());
    auto real = to_unit_float(window_tensor(set), torch::kCPU);  // [W, 5, 32, 128]
    // The windows with the most notes in each instrument, so that every net sees real music.
    std::vector<torch::Tensor> blocks;
    for (int i = 0; i < kCnnInstruments; ++i) {
        auto per = real.select(1, i);
        blocks.push_back(per[per.gt(0).flatten(1).sum(1).argmax().item<std::int64_t>()]);
    }
    const auto n = std::int64_t(blocks.size());
    for (std::int64_t b = 0; b < n; ++b) blocks.push_back(blocks[std::size_t(b)].gt(0).to(torch::kFloat) * kCnnNoteValue);
    blocks.push_back(torch::zeros({kCnnSteps, kPitches}));
    auto one = torch::zeros({kCnnSteps, kPitches});
    one[17][60] = kCnnNoteValue;
    blocks.push_back(one);
    torch::manual_seed(4);
    blocks.push_back((torch::rand({kCnnSteps, kPitches}) > 0.5).to(torch::kFloat) * kCnnNoteValue);
    return torch::stack(blocks);
}

torch::Tensor melody_fast(const CnnInference& f, const torch::Tensor& block) {
    auto in = block.contiguous();
    auto out = torch::empty({kCnnSteps, kPitches});
    f.melody(in.data_ptr<float>(), out.data_ptr<float>());
    return out;
}

torch::Tensor harmony_fast(const CnnInference& f, int i, const torch::Tensor& own, const torch::Tensor& piano) {
    auto a = own.contiguous(), b = piano.contiguous();
    auto out = torch::empty({kCnnSteps, kPitches});
    f.harmony(i, a.data_ptr<float>(), b.data_ptr<float>(), out.data_ptr<float>());
    return out;
}

fs::path saved_run(CnnBand& band, const std::string& name, const std::string& encoders, const std::string& loss) {
    auto run = test::fresh_test_path("cnn", name);
    fs::create_directories(run);
    CnnRunInfo info;
    info.harmony_encoders = encoders;
    info.loss = loss;
    write_cnn_run_info(run, info);
    save_weights(run / "model.pt", cnn_layout(band));
    return run;
}

}  // namespace

TEST(CnnInference, EqualsTheModulesOnRealAndSyntheticBlocks) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const auto blocks = test_blocks();
    const auto n = blocks.size(0);
    for (auto encoders : {HarmonyEncoders::Shared, HarmonyEncoders::Separate})
        for (auto output : {CnnOutput::Sigmoid, CnnOutput::Relu}) {
            torch::manual_seed(7);
            CnnBand band(encoders, output);
            randomise_batch_norm(*band);
            band->eval();
            torch::NoGradGuard g;
            const CnnInference fast(*band);
            const std::string what = std::string(encoders == HarmonyEncoders::Shared ? "shared" : "separate") +
                                     (output == CnnOutput::Sigmoid ? " bce" : " mse");
            for (std::int64_t b = 0; b < n; ++b) {
                auto expected = band->activate(band->melody()->forward_modules(blocks[b].unsqueeze(0)))[0];
                auto got = melody_fast(fast, blocks[b]);
                EXPECT_TRUE(torch::allclose(got, expected, 1e-4, 1e-5))
                    << what << " melody, block " << b << ": " << (got - expected).abs().max().item<double>();
                for (int i = 1; i < kCnnInstruments; ++i) {
                    const auto& piano = blocks[(b + i) % n];  // another block as the piano t+1
                    auto expected_h = band->activate(band->harmony(i)->forward_modules(blocks[b].unsqueeze(0), piano.unsqueeze(0)))[0];
                    auto got_h = harmony_fast(fast, i, blocks[b], piano);
                    EXPECT_TRUE(torch::allclose(got_h, expected_h, 1e-4, 1e-5))
                        << what << " " << kCnnInstrumentName[std::size_t(i)] << ", block " << b << ": "
                        << (got_h - expected_h).abs().max().item<double>();
                }
            }
        }
}

TEST(CnnInference, StepThresholdsAndFeedsTheNewPianoBlockToTheHarmonyNets) {
    torch::manual_seed(8);
    CnnBand band(HarmonyEncoders::Shared, CnnOutput::Sigmoid);
    randomise_batch_norm(*band);
    band->eval();
    torch::NoGradGuard g;
    const CnnInference fast(*band);
    auto current = ((torch::rand({kCnnInstruments, kCnnSteps, kPitches}) > 0.9).to(torch::kFloat) * kCnnNoteValue).contiguous();
    auto next = torch::empty_like(current), activated = torch::empty_like(current);
    const std::array<float, 5> thresholds = {0.5f, 0.45f, 0.5f, 0.55f, 0.5f};
    fast.step(current.data_ptr<float>(), thresholds, next.data_ptr<float>(), activated.data_ptr<float>());
    // By hand: the piano block from the melody net, thresholded; each harmony net given that block.
    auto piano = band->activate(band->melody()->forward_modules(current.narrow(0, 0, 1)));
    auto piano_block = piano.ge(thresholds[0]).to(torch::kFloat) * kCnnNoteValue;
    EXPECT_TRUE(torch::allclose(activated[0], piano[0], 1e-4, 1e-5));
    EXPECT_LE(next[0].ne(piano_block[0]).sum().item<std::int64_t>(), 2);  // cells within rounding of the threshold
    for (int i = 1; i < kCnnInstruments; ++i) {
        auto expected = band->activate(band->harmony(i)->forward_modules(current.narrow(0, i, 1), next.narrow(0, 0, 1)))[0];
        EXPECT_TRUE(torch::allclose(activated[i], expected, 1e-4, 1e-5)) << i;
        EXPECT_TRUE(torch::equal(next[i], (activated[i] >= thresholds[std::size_t(i)]).to(torch::kFloat) * kCnnNoteValue)) << i;
    }
}

TEST(CnnInference, MappedReaderEqualsTorchsLoaderAndRefusesForeignFiles) {
    torch::manual_seed(9);
    CnnBand band(HarmonyEncoders::Separate, CnnOutput::Relu);
    randomise_batch_norm(*band);
    band->eval();
    const auto run = saved_run(band, "inference-mapped", "separate", "mse");
    const auto mapped = load_cnn_inference(run, true), torch_loaded = load_cnn_inference(run, false);
    const CnnInference from_band(*band);
    auto x = ((torch::rand({kCnnSteps, kPitches}) > 0.8).to(torch::kFloat) * kCnnNoteValue).contiguous();
    auto y = ((torch::rand({kCnnSteps, kPitches}) > 0.9).to(torch::kFloat) * kCnnNoteValue).contiguous();
    // The same tensors packed the same way: equal to the last bit.
    EXPECT_TRUE(torch::equal(melody_fast(mapped, x), melody_fast(torch_loaded, x)));
    EXPECT_TRUE(torch::equal(melody_fast(mapped, x), melody_fast(from_band, x)));
    for (int i = 1; i < kCnnInstruments; ++i)
        EXPECT_TRUE(torch::equal(harmony_fast(mapped, i, x, y), harmony_fast(torch_loaded, i, x, y))) << i;

    // model.json says shared encoders, the checkpoint holds separate ones: one line, from either reader.
    CnnRunInfo info;
    info.harmony_encoders = "shared";
    write_cnn_run_info(run, info);
    for (bool m : {true, false}) {
        try {
            load_cnn_inference(run, m);
            ADD_FAILURE() << "a checkpoint of another architecture was accepted";
        } catch (const Error& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("separate harmony encoders"), std::string::npos) << what;
            EXPECT_EQ(what.find('\n'), std::string::npos) << what;
        }
    }
    // A damaged file (cut in half): one line, no crash.
    info.harmony_encoders = "separate";
    info.loss = "mse";
    write_cnn_run_info(run, info);
    std::string bytes;
    {
        std::ifstream in(run / "model.pt", std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    std::ofstream(run / "model.pt", std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size() / 2));
    try {
        load_cnn_inference(run, true);
        ADD_FAILURE() << "a damaged checkpoint was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
}
