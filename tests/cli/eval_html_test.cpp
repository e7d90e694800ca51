// The HTML report folder of `quintet eval -o DIR`: every image and audio file index.html references exists,
// and headless Chromium (Debian `chromium`) loads the page and decodes all of them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "io/midi/midi_write.hpp"
#include "roll/multitrack.hpp"
#include "roll/operations.hpp"
#include "support/shell_exit.hpp"
#include "support/skip_or_fail.hpp"
#ifdef QUINTET_HAVE_IMAGES
#include "io/image/png_io.hpp"
#endif

namespace fs = std::filesystem;
using namespace quintet;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}


Multitrack two_bar_song(int pitch) {
    Multitrack mt = empty_lpd5(192, 24);
    for (int s = 0; s < 192; ++s) mt.tracks[1].at(s, pitch) = s % 48 < 40 ? 100 : 0;
    for (int s = 0; s < 192; s += 24) mt.tracks[0].at(s, 36) = 100;
    return mt;
}

}  // namespace

TEST(EvalHtml, ReportFolderIsCompleteAndLoadsInChromium) {
    const fs::path dir = fs::temp_directory_path() / ("quintet_eval_html_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "run");
    write_midi(two_bar_song(60), dir / "gen.mid");  // MIDI, so the test needs no npz support
    write_midi(two_bar_song(67), dir / "ref.mid");
    std::size_t images = 2;  // one song per set
#ifdef QUINTET_HAVE_IMAGES
    Image curve;
    curve.width = 4;
    curve.height = 3;
    curve.rgb.assign(4 * 3 * 3, 200);
    write_png(curve, dir / "run" / "curve.png");
    ++images;
#else
    images = 0;
#endif
    const std::string cmd = std::string(QUINTET_BINARY_DIR) + "/quintet eval " + (dir / "gen.mid").string() +
                            " --reference " + (dir / "ref.mid").string() + " -o " + (dir / "report").string() +
                            " --run " + (dir / "run").string() + " > /dev/null 2> " + (dir / "err.txt").string();
    ASSERT_EQ(test::shell_exit(cmd), 0) << slurp(dir / "err.txt");
    const std::string html = slurp(dir / "report" / "index.html");
    ASSERT_NE(html.find("<table>"), std::string::npos);
    EXPECT_NE(html.find("<td>piano</td><td>UPC</td>"), std::string::npos);

    // Every src="..." points at a non-empty file inside the report folder.
    const std::regex src("src=\"([^\"]+)\"");
    std::size_t n_images = 0, n_audio = 0;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), src); it != std::sregex_iterator(); ++it) {
        const std::string rel = (*it)[1];
        EXPECT_EQ(rel.find(".."), std::string::npos) << rel;
        EXPECT_GT(fs::file_size(dir / "report" / rel), 0u) << rel;
        (rel.size() > 4 && rel.substr(rel.size() - 4) == ".wav" ? n_audio : n_images)++;
    }
    EXPECT_EQ(n_images, images);

    if (test::shell_exit("command -v chromium > /dev/null 2>&1") != 0) {
        fs::remove_all(dir);
        QUINTET_SKIP_OR_FAIL("chromium not installed (scripts/install-deps installs it): browser check not run");
    }
    const fs::path dom = dir / "dom.html";
    const int rc = test::shell_exit("timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir=" +
                         (dir / "chrome").string() + " --virtual-time-budget=10000 --dump-dom file://" +
                         (dir / "report" / "index.html").string() + " > " + dom.string() + " 2> /dev/null");
    ASSERT_EQ(rc, 0);
    const std::string loaded = slurp(dom);
    const std::string expected = "media check: images " + std::to_string(n_images) + "/" + std::to_string(n_images) +
                                 ", audio " + std::to_string(n_audio) + "/" + std::to_string(n_audio) + "<";
    EXPECT_NE(loaded.find(expected), std::string::npos) << "expected '" << expected << "' in the page Chromium rendered";
    fs::remove_all(dir);
}
