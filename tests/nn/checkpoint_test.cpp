// nn/checkpoint: header checks before any weight, the training position round trip, and a write that fails
// (a file-size limit, as a full disk does) leaving the previous file intact and no temporary file.
#include <gtest/gtest.h>

#include <csignal>
#include <sys/resource.h>

#include "nn/checkpoint.hpp"
#include "support/tiny_store.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {

std::string size_text(std::int64_t n) { return "size " + std::to_string(n); }

CheckpointLayout layout_of(torch::nn::Linear& net, std::int64_t kind_marker = 1) {
    CheckpointLayout l;
    l.kind_name = "Test";
    l.header = {{"kind_test", kind_marker, nullptr}, {"width", net->options.out_features(), size_text}};
    l.modules = {{"net", net.ptr().get()}};
    return l;
}

// Files bigger than `bytes` cannot be written while this lives (writes fail with EFBIG, as on a full disk).
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &saved_);
        previous_ = std::signal(SIGXFSZ, SIG_IGN);  // else the kernel kills the process
        rlimit limited = saved_;
        limited.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &limited);
    }
    ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &saved_);
        std::signal(SIGXFSZ, previous_);
    }

private:
    rlimit saved_{};
    void (*previous_)(int) = nullptr;
};

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

TEST(Checkpoint, WeightsRoundTripAndTheHeaderIsCheckedFirst) {
    const fs::path dir = test::fresh_test_path("checkpoint", "round-trip");
    fs::create_directories(dir);
    torch::manual_seed(1);
    torch::nn::Linear a(4, 3), b(4, 3), wide(4, 5);
    save_weights(dir / "w.pt", layout_of(a));
    load_weights(dir / "w.pt", layout_of(b));
    EXPECT_TRUE(torch::equal(a->weight, b->weight));
    EXPECT_TRUE(torch::equal(a->bias, b->bias));
    try {
        load_weights(dir / "w.pt", layout_of(wide));
        FAIL() << "another width loaded";
    } catch (const FormatError& e) {
        EXPECT_NE(std::string(e.what()).find("checkpoint holds size 3, expected size 5"), std::string::npos) << e.what();
    }
    try {
        load_weights(dir / "w.pt", layout_of(b, 2));
        FAIL() << "another format loaded";
    } catch (const FormatError& e) {
        EXPECT_NE(std::string(e.what()).find("kind_test 1, expected kind_test 2"), std::string::npos) << e.what();
    }
    CheckpointLayout other = layout_of(b);
    other.header[0].key = "kind_other";
    other.kind_name = "Other";
    try {
        load_weights(dir / "w.pt", other);
        FAIL() << "a checkpoint of another kind loaded";
    } catch (const FormatError& e) {
        EXPECT_NE(std::string(e.what()).find("not a Other checkpoint"), std::string::npos) << e.what();
    }
    write_file_atomically(dir / "junk.pt", "not a zip");
    EXPECT_THROW(load_weights(dir / "junk.pt", layout_of(b)), FormatError);
    EXPECT_THROW(load_weights(dir / "missing.pt", layout_of(b)), IoError);
}

TEST(Checkpoint, OptimiserAndPositionRoundTrip) {
    const fs::path dir = test::fresh_test_path("checkpoint", "position");
    fs::create_directories(dir);
    torch::manual_seed(2);
    torch::nn::Linear net(4, 3), copy(4, 3);
    torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-2));
    net->forward(torch::randn({8, 4})).sum().backward();
    opt.step();
    CheckpointLayout layout = layout_of(net);
    layout.optimizers = {{"opt", &opt}};
    save_checkpoint(dir / "last.pt", layout, TrainPosition{2, 7, 1.25, 3});
    torch::optim::Adam opt2(copy->parameters(), torch::optim::AdamOptions(1e-2));
    CheckpointLayout back = layout_of(copy);
    back.optimizers = {{"opt", &opt2}};
    const TrainPosition p = load_checkpoint(dir / "last.pt", back);
    EXPECT_EQ(p.stage, 2);
    EXPECT_EQ(p.epoch, 7);
    EXPECT_DOUBLE_EQ(p.best_valid, 1.25);
    EXPECT_EQ(p.bad_epochs, 3);
    EXPECT_TRUE(torch::equal(net->weight, copy->weight));
    // The Adam moments came back: one more identical step keeps the two nets identical.
    opt.zero_grad();
    opt2.zero_grad();
    net->forward(torch::ones({2, 4})).sum().backward();
    copy->forward(torch::ones({2, 4})).sum().backward();
    opt.step();
    opt2.step();
    EXPECT_TRUE(torch::equal(net->weight, copy->weight));
}

TEST(Checkpoint, AFailedWriteKeepsThePreviousFileAndLeavesNoTemporaryFile) {
    const fs::path dir = test::fresh_test_path("checkpoint", "full-disk");
    fs::create_directories(dir);
    torch::manual_seed(3);
    torch::nn::Linear net(64, 64);  // ~17 kB of weights
    save_weights(dir / "model.pt", layout_of(net));
    const std::string before = read_file(dir / "model.pt");
    ASSERT_GT(before.size(), 16000u);
    torch::nn::Linear changed(64, 64);
    {
        FileSizeLimit limit(4096);
        try {
            save_weights(dir / "model.pt", layout_of(changed));
            FAIL() << "the write should have failed";
        } catch (const IoError& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("model.pt: write failed"), std::string::npos) << what;
            EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
        }
        CheckpointLayout last = layout_of(changed);
        EXPECT_THROW(save_checkpoint(dir / "last.pt", last, TrainPosition{}), IoError);
    }
    EXPECT_EQ(read_file(dir / "model.pt"), before);
    EXPECT_EQ(names_in(dir), std::vector<std::string>{"model.pt"});
}
