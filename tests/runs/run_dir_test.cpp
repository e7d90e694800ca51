// runs/: config.json written and described, refuse-or-resume, curve.csv with a system's columns.
#include <gtest/gtest.h>

#include "runs/curve.hpp"
#include "runs/run_dir.hpp"
#include "support/tiny_store.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

TEST(RunDir, ConfigIsDescribedAndForeignOrFinishedRunsAreRefused) {
    const fs::path run = test::fresh_test_path("runs", "config");
    EXPECT_THROW(describe_run(run), UsageError);  // no such directory
    fs::create_directories(run);
    EXPECT_THROW(describe_run(run), UsageError);  // no config.json
    EXPECT_FALSE(prepare_run_dir(run, "frame-rnn", false));
    FlatJsonWriter settings;
    settings.add("hidden", 256);
    DataSummary train{"train", 3, 40, 37, {"piano", "drums"}, {30, 12}};
    write_run_config(run, "frame-rnn", "corpus.qstore", settings, {train});
    const std::string text = read_file(run / "config.json");
    EXPECT_NE(text.find("\"hidden\": 256"), std::string::npos) << text;
    EXPECT_NE(text.find("\"order\": [\"piano\", \"drums\"], \"counts\": [30, 12]"), std::string::npos) << text;
    const RunDescription d = describe_run(run);
    EXPECT_EQ(d.kind, "frame-rnn");
    EXPECT_EQ(d.corpus, fs::absolute("corpus.qstore"));
    EXPECT_THROW(prepare_run_dir(run, "note-gru", true), UsageError);  // another system's run
    write_file_atomically(run / "last.pt", "x");
    EXPECT_THROW(prepare_run_dir(run, "frame-rnn", false), UsageError);  // would overwrite training
    EXPECT_TRUE(prepare_run_dir(run, "frame-rnn", true));
    write_file_atomically(run / "config.json", "{\"model\": \"frame-rnn\"}");
    EXPECT_THROW(describe_run(run), FormatError);  // no corpus
}

TEST(Curve, RowsRoundTripWithTheSystemsColumns) {
    const fs::path dir = test::fresh_test_path("runs", "curve");
    fs::create_directories(dir);
    CurveFile curve(dir / "curve.csv", {"train_d", "valid_d"});
    EpochRecord a{1, 1, 2, 3.5, 4.25, 1.5, 100, true, {0.5, 0.75}};
    EpochRecord b{1, 2, 2, 3.0, 4.5, 1.25, 110, false, {0.25, 1.0}};
    EpochRecord c{2, 1, 1, 0.125, 0.25, 0.5, 900, true, {2, 3}};
    curve.add(a);
    curve.add(b);
    curve.add(c);
    EXPECT_EQ(read_file(dir / "curve.csv").substr(0, 75),
              "stage,epoch,epochs,train_loss,valid_loss,seconds,samples_per_s,best,train_d");
    CurveFile back(dir / "curve.csv", {"train_d", "valid_d"});
    back.load_until(1, 2);  // a resume at the end of stage 1 drops stage 2's row
    ASSERT_EQ(back.rows().size(), 2u);
    EXPECT_EQ(back.rows()[1].valid_loss, 4.5);
    EXPECT_FALSE(back.rows()[1].improved);
    EXPECT_EQ(back.rows()[1].columns, (std::vector<double>{0.25, 1.0}));
    CurveFile other(dir / "curve.csv", {"only_one"});
    EXPECT_THROW(other.load_until(9, 9), FormatError);  // the rows have another system's columns
}
