// What the studio writes for a song besides sampling it, timed piece by piece on a song file (.npz as the
// studio keeps it): notes.json (song_notes_json + dump), the piano roll (render_pianoroll, then write_png),
// the npz and the MIDI, and the PNG encoding before 2026-12-03 (libpng's two-step form) between two runs of
// today's. Prints each piece's median and range over ROUNDS rounds.
//   song_files_time SONG.npz [ROUNDS]
#include <png.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "corpus/song_loader.hpp"
#include "io/image/pianoroll_image.hpp"
#include "io/image/png_io.hpp"
#include "io/midi/midi_write.hpp"
#include "io/npz/npz.hpp"
#include "studio/song_maker.hpp"

using namespace quintet;

namespace {
// encode_png before 2026-12-03: libpng's two-step form (compress once for the size, once to write).
std::string two_step_png(const Image& image) {
    png_image img;
    std::memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = png_uint_32(image.width);
    img.height = png_uint_32(image.height);
    img.format = PNG_FORMAT_RGB;
    png_alloc_size_t size = 0;
    png_image_write_get_memory_size(img, size, 0, image.rgb.data(), 0, nullptr);
    std::string out(size, '\0');
    png_image_write_to_memory(&img, out.data(), &size, 0, image.rgb.data(), 0, nullptr);
    out.resize(size);
    return out;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: song_files_time SONG.npz [ROUNDS]\n");
        return 2;
    }
    const Multitrack song = load_song_file(argv[1]);
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 7;
    const auto dir = std::filesystem::temp_directory_path() / "quintet-song-files-time";
    std::filesystem::create_directories(dir);
    std::printf("%s: %zu tracks, %zu steps at %d steps per beat\n", argv[1], song.tracks.size(), song.steps(), song.resolution);
    const std::vector<std::pair<const char*, std::function<void()>>> pieces = {
        {"notes.json (song_notes_json + dump)", [&] { (void)studio::song_notes_json(song, 120).dump(); }},
        {"render_pianoroll", [&] { (void)render_pianoroll(song); }},
        {"encode_png of the rendered roll", [&, image = render_pianoroll(song)] { (void)encode_png(image); }},
        {"  the same, libpng's two-step form (before)", [&, image = render_pianoroll(song)] { (void)two_step_png(image); }},
        {"encode_png again (after)", [&, image = render_pianoroll(song)] { (void)encode_png(image); }},
        {"write_pianoroll_png (both)", [&] { write_pianoroll_png(song, dir / "song.png"); }},
        {"write_npz", [&] { write_npz(song, dir / "song.npz"); }},
        {"encode_midi", [&] { (void)encode_midi(song, {}); }},
    };
    for (const auto& [name, work] : pieces) {
        std::vector<double> s;
        for (int r = 0; r < rounds; ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            work();
            s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        std::sort(s.begin(), s.end());
        std::printf("%-40s median %.4f s  (%.4f-%.4f)\n", name, s[s.size() / 2], s.front(), s.back());
    }
    std::filesystem::remove_all(dir);
}
