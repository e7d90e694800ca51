// `quintet render FILE.mid|FILE.npz --wav out.wav --png out.png`: listen to and look at a song.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/command.hpp"
#include "cli/render_song_input.hpp"
#include "cli/song_outputs.hpp"
#include "util/error.hpp"

namespace {

struct RenderArgs {
    std::string file;
    bool full = false;
    quintet::cli::SongOutputs out;
};

void run(const RenderArgs& a) {
    if (a.out.wav.empty() && a.out.png.empty()) throw quintet::UsageError("render: nothing to do, give --wav and/or --png");
    quintet::cli::check_song_outputs(a.out);
    const quintet::Multitrack mt = quintet::cli::load_song_input(a.file, a.full).mt;
    quintet::cli::SongOutputs out = a.out;
    if (out.title.empty()) out.title = std::filesystem::path(a.file).filename().string();
    quintet::cli::write_song_outputs(mt, out);
}

const bool registered = quintet::cli::register_command([](CLI::App& app, int, char**) {
    auto args = std::make_shared<RenderArgs>();
    auto* cmd = app.add_subcommand("render", "render a song (.mid or .npz) to a WAV file and/or a piano-roll PNG");
    cmd->add_option("FILE", args->file, "a .mid/.midi or .npz file")->required();
    cmd->add_option("--wav", args->out.wav, "write 16-bit stereo WAV audio here (FluidSynth)");
    cmd->add_option("--png", args->out.png, "write a piano-roll picture here");
    cmd->add_option("--soundfont", args->out.soundfont,
                    "SoundFont (.sf2); default: $QUINTET_SOUNDFONT, else /usr/share/sounds/sf2/FluidR3_GM.sf2");
    cmd->add_option("--title", args->out.title, "picture title (default: the file name)");
    cmd->add_flag("--full", args->full, "MIDI input: keep every MIDI instrument instead of merging into the LPD-5 five");
    cmd->add_option("--sample-rate", args->out.sample_rate, "audio sample rate in Hz")->capture_default_str()->check(CLI::Range(8000, 96000));
    cmd->add_option("--gain", args->out.gain, "synthesizer gain")->capture_default_str()->check(CLI::Range(0.0, 10.0));
    cmd->callback([args] { run(*args); });
});

}  // namespace
