// ArchiveTensors (model.pt read from the mapped file, without torch's TorchScript importer) against the
// model that was saved and against torch's own loader; damaged files are refused (the caller then falls
// back to torch's loader, which reports the error).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "nn/archive_tensors.hpp"
#include "systems/vae_nn/fast_load.hpp"
#include "systems/vae_nn/run_model.hpp"
#include "systems/vae_nn/run_info.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
    fs::path p = fs::path(QUINTET_BINARY_DIR) / "test-tmp" / (name + "-" + std::to_string(::getpid()));
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

// A run directory holding a randomly initialised model (K=8, Gaussian).
fs::path saved_run(VaeNnModel& model) {
    fs::path run = fresh_dir("archive-tensors");
    VaeNnRunInfo info;
    info.latent = model->latent();
    info.likelihood = likelihood_name(model->likelihood());
    write_run_info(run, info);
    save_model(run / "model.pt", model);
    return run;
}

}  // namespace

TEST(ArchiveTensors, EveryParameterAndTheHeaderAsSaved) {
    torch::manual_seed(5);
    VaeNnModel model(8, Likelihood::Gaussian);
    auto run = saved_run(model);
    auto tensors = ArchiveTensors::open(run / "model.pt");
    ASSERT_TRUE(tensors.has_value());
    auto params = model->named_parameters();
    EXPECT_EQ(tensors->size(), params.size() + 3);  // + kind_vae_nn, latent, bernoulli
    for (const auto& p : params) {
        auto t = tensors->find("model." + p.key());
        ASSERT_TRUE(t.defined()) << p.key();
        EXPECT_EQ(t.sizes(), p.value().sizes()) << p.key();
        EXPECT_TRUE(torch::equal(t, p.value().detach())) << p.key();
    }
    EXPECT_EQ(tensors->find("latent").item<std::int64_t>(), 8);
    EXPECT_EQ(tensors->find("bernoulli").item<std::int64_t>(), 0);
    EXPECT_FALSE(tensors->find("model.vae_piano.no_such").defined());
    fs::remove_all(run);
}

TEST(ArchiveTensors, MappedLoadEqualsTorchLoaderAndTheModel) {
    torch::manual_seed(6);
    VaeNnModel model(8, Likelihood::Bernoulli);
    auto run = saved_run(model);
    auto mapped = load_run_inference(run, true), torch_loaded = load_run_inference(run, false);
    VaeNnInference from_model(*model);
    auto z = torch::randn({1, 5, 8});
    auto blocks = torch::rand({5, 32, 128}).gt(0.9).to(torch::kFloat);
    for (auto* other : {&torch_loaded, &from_model}) {
        EXPECT_TRUE(torch::equal(mapped.reconstruct(z), other->reconstruct(z)));
        EXPECT_TRUE(torch::equal(mapped.encode_means(blocks), other->encode_means(blocks)));
        EXPECT_TRUE(torch::equal(mapped.predict_next(z), other->predict_next(z)));
    }
    fs::remove_all(run);
}

TEST(ArchiveTensors, DamagedOrForeignFilesAreRefused) {
    torch::manual_seed(7);
    VaeNnModel model(8, Likelihood::Gaussian);
    auto run = saved_run(model);
    std::string bytes = read_file(run / "model.pt");
    fs::path dir = fresh_dir("archive-damaged");
    write_file_atomically(dir / "half.pt", bytes.substr(0, bytes.size() / 2));  // no central directory
    EXPECT_FALSE(ArchiveTensors::open(dir / "half.pt").has_value());
    write_file_atomically(dir / "text.pt", "not a zip at all");
    EXPECT_FALSE(ArchiveTensors::open(dir / "text.pt").has_value());
    EXPECT_FALSE(ArchiveTensors::open(dir / "missing.pt").has_value());
    // The pickle cut short (data.pkl's bytes overwritten): refused, not misread.
    auto at = bytes.find("_rebuild_tensor_v2");
    ASSERT_NE(at, std::string::npos);
    std::string broken = bytes;
    for (std::size_t i = at; i < at + 18; ++i) broken[i] = '\xff';
    write_file_atomically(dir / "broken.pt", broken);
    EXPECT_FALSE(ArchiveTensors::open(dir / "broken.pt").has_value());
    // A run whose model.pt is cut short: the mapped reader gives up, torch's loader refuses it: FormatError.
    fs::copy_file(dir / "half.pt", run / "model.pt", fs::copy_options::overwrite_existing);
    EXPECT_THROW(load_run_inference(run), FormatError);
    fs::remove_all(run);
    fs::remove_all(dir);
}
