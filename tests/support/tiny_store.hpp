#pragma once
// A small training store built from a few ../shared/data/lpd5 files (resampled to 2 steps per beat),
// for the VAE-NN tests: 30 train windows, 3 valid, 3 test.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "corpus/store_writer.hpp"
#include "io/npz/npz.hpp"
#include "roll/operations.hpp"
#include "support/shared_data.hpp"
#include "systems/vae_nn/train_options.hpp"

namespace quintet::test {

inline std::vector<std::pair<std::string, Split>> tiny_store_songs() {
    return {{"mma__solo_solo", Split::Train},          {"mma__misc_midinote", Split::Train},
            {"mma__midi-inc_frankie", Split::Train},   {"openmsx__tttheme2", Split::Train},
            {"mma__misc_truncate", Split::Valid},      {"mma__midi-inc_frankie2", Split::Test}};
}

inline Multitrack load_lpd5_at_resolution_2(const std::string& name) {
    Multitrack mt = read_npz(shared_data_dir() / "lpd5" / (name + ".npz"));
    set_resolution(mt, 2);
    pad_to_same(mt);
    return mt;
}

// Writes the store (once per path) and returns its path.
inline std::filesystem::path tiny_store(const std::filesystem::path& path) {
    if (std::filesystem::exists(path)) return path;
    std::filesystem::create_directories(path.parent_path());
    write_store(path, 2, [](StoreWriter& w) {
        for (const auto& [name, split] : tiny_store_songs()) {
            SongInfo info;
            info.id = name;
            info.title = name;
            info.artist = name.substr(0, name.find("__"));
            info.split = split;
            w.add(info, load_lpd5_at_resolution_2(name));
        }
    });
    return path;
}

// The tiny store every test binary shares (test-tmp/tiny.store in the build directory).
inline std::filesystem::path default_tiny_store() {
    return tiny_store(std::filesystem::path(QUINTET_BINARY_DIR) / "test-tmp" / "tiny.store");
}

// A quick VAE-NN training on the tiny store: K 4, batches of 8, `epochs` for both stages, no progress output.
inline VaeNnTrainConfig tiny_train_config(const std::filesystem::path& run_dir, int epochs) {
    VaeNnTrainConfig c;
    c.corpus = default_tiny_store();
    c.run_dir = run_dir;
    c.latent = 4;
    c.epochs = epochs;
    c.batch = 8;
    c.quiet = true;
    return c;
}

// An empty place for a test's output: test-tmp/<group>/<name> in the build directory, removed if it exists,
// its parent created.
// An empty path of the running test's own: ctest runs the tests of one executable as parallel processes, so two
// tests sharing a folder would delete or overwrite each other's files.
inline std::filesystem::path fresh_test_path(const std::string& group, const std::string& name) {
    std::string test = "outside-a-test";
    if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info())
        test = std::string(info->test_suite_name()) + "." + info->name();
    std::filesystem::path p = std::filesystem::path(QUINTET_BINARY_DIR) / "test-tmp" / group / test / name;
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p.parent_path());
    return p;
}

}  // namespace quintet::test
