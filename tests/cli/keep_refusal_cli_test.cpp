// `generate RUN --from SONG --keep ...` for a system that cannot regenerate some instruments of a song (the note
// RNN, which models one instrument): one line naming the systems that can, exit 2, before the run is opened.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "support/shell_exit.hpp"
#include "support/tiny_store.hpp"
#include "util/atomic_file.hpp"

namespace fs = std::filesystem;

TEST(GenerateCli, KeepIsRefusedInOneLineBySystemsWithoutIt) {
    const fs::path dir = quintet::test::fresh_test_path("keep-refusal", "runs");
    for (const char* kind : {"note-rnn"}) {
        const fs::path run = dir / kind;
        fs::create_directories(run);
        quintet::write_file_atomically(run / "config.json", std::string("{\"model\": \"") + kind + "\", \"corpus\": \"x.qstore\"}\n");
        for (const char* args : {"--keep piano", "--from song.mid --keep piano,bass", "--from song.mid"}) {
            const std::string err = (dir / "err.txt").string();
            const int code = quintet::test::shell_exit(QUINTET_BINARY_DIR "/quintet generate " + run.string() + " -o " +
                                                       (dir / "x.mid").string() + " " + args + " > /dev/null 2> " + err);
            const std::string text = quintet::read_file(err);
            EXPECT_EQ(code, 2) << kind << " " << args << ": " << text;
            EXPECT_NE(text.find(std::string("a ") + kind + " run cannot regenerate some instruments of a song"), std::string::npos) << text;
            // The systems that can, from the registry's tables.
            EXPECT_NE(text.find("runs of frame-rnn, cnn, vae-nn, gan, transformer can"), std::string::npos) << text;
            EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
            EXPECT_FALSE(fs::exists(dir / "x.mid"));
        }
    }
}
