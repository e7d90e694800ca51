// The note RNN data-parallel: 2 ranks with batch B reach 1 process with batch 2B (its own file: the note and
// frame RNN headers both name an NllSum).
#include "distributed/training_support.hpp"
#include "support/tiny_store.hpp"
#include "systems/note_gru/model.hpp"
#include "systems/note_gru/run_info.hpp"

namespace fs = std::filesystem;
using namespace quintet;
using namespace quintet::test;

namespace {

std::vector<torch::Tensor> note_rnn_weights(const fs::path& run) {
    NoteGruNet net(shape_of(read_note_gru_run_info(run)));
    load_net(run / "model.pt", net);
    return net->parameters();
}

}  // namespace

TEST(DistributedTraining, NoteRnnTwoRanksOfBMatchOneProcessOf2B) {
    REQUIRE_C10D();
    const fs::path dir = test::fresh_test_path("distributed", "note");
    fs::create_directories(dir);
    const auto args = [&](const std::string& run, int batch) {
        return "note-rnn --corpus " + test::default_tiny_store().string() + " --out " + (dir / run).string() +
               " --tokens events --chord-tokens pitch-class --hidden 12 --embedding 8 --window 16 --min-count 1 --epochs 2"
               " --batch " + std::to_string(batch);
    };
    train_quietly(args("two", 4) + " --nproc 2", dir, "two");
    train_quietly(args("one", 8), dir, "one");
    train_quietly(args("small", 4), dir, "small");
    const double same = max_difference(note_rnn_weights(dir / "two"), note_rnn_weights(dir / "one"));
    const double other = max_difference(note_rnn_weights(dir / "two"), note_rnn_weights(dir / "small"));
    std::printf("note-rnn: 2x4 vs 1x8 max |dw| %.3g; vs 1x4 %.3g\n", same, other);
    EXPECT_LT(same, kTolerance);
    EXPECT_GT(other, 100 * kTolerance);
}

