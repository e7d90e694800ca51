#pragma once
// Stores and small trained runs shared by the frame-RNN tests (each trained once per test binary).
#include <filesystem>
#include <map>
#include <string>

#include "corpus/pitch_sequences.hpp"
#include "support/tiny_store.hpp"
#include "systems/frame_rnn/trainer.hpp"

namespace quintet::test {

// The JSB Chorales (quarter notes) as a store: test-tmp/jsb.store.
inline std::filesystem::path jsb_store() {
    const auto path = std::filesystem::path(QUINTET_BINARY_DIR) / "test-tmp" / "jsb.store";
    if (!std::filesystem::exists(path)) {
        std::filesystem::create_directories(path.parent_path());
        write_pitch_sequence_store(shared_data_dir() / "jsb-chorales" / "jsb-chorales-quarter.json", path, {});
    }
    return path;
}

// A small Bernoulli model of the JSB chorales: 88 pitches, hidden 24, `epochs` epochs.
inline FrameRnnTrainConfig jsb_config(const std::filesystem::path& run, int epochs) {
    FrameRnnTrainConfig c;
    c.corpus = jsb_store();
    c.run_dir = run;
    c.tracks = "piano";
    c.pitch_range = "21-108";
    c.hidden = 24;
    c.dropout = 0;
    c.epochs = epochs;
    c.quiet = true;
    return c;
}

// A small model of the five LPD-5 tracks (640 cells) on the tiny store, one epoch.
inline std::filesystem::path tiny_lpd_run(const std::string& output) {
    static std::map<std::string, std::filesystem::path> runs;
    auto& run = runs[output];
    if (run.empty()) {
        run = fresh_test_path("frame-rnn", "lpd-" + output);
        FrameRnnTrainConfig c;
        c.corpus = default_tiny_store();
        c.run_dir = run;
        c.output = output;
        c.hidden = 16;
        c.epochs = 1;
        c.batch = 8;
        c.quiet = true;
        train_frame_rnn(c);
    }
    return run;
}

}  // namespace quintet::test
