// `quintet render FILE.mid|FILE.npz --wav out.wav --png out.png`: listen to and look at a song.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "cli/command.hpp"
#include "cli/render_song_input.hpp"
#ifdef QUINTET_HAVE_AUDIO
#include "io/audio/render_wav.hpp"
#endif
#ifdef QUINTET_HAVE_IMAGES
#include "io/image/pianoroll_image.hpp"
#endif

namespace {
namespace fs = std::filesystem;

struct RenderArgs {
    std::string file, wav, png, soundfont, title;
    bool full = false;
    int sample_rate = 44100;
    double gain = 0.5;
};

void run(const RenderArgs& a) {
    using quintet::UsageError;
    if (a.wav.empty() && a.png.empty()) throw UsageError("render: nothing to do, give --wav and/or --png");
#ifndef QUINTET_HAVE_AUDIO
    if (!a.wav.empty()) throw UsageError("render: this build has no audio (configure with QUINTET_WITH_AUDIO=ON)");
#endif
#ifndef QUINTET_HAVE_IMAGES
    if (!a.png.empty()) throw UsageError("render: this build has no images (configure with QUINTET_WITH_IMAGES=ON)");
#endif
    const quintet::Multitrack mt = quintet::cli::load_song_input(a.file, a.full).mt;

#ifdef QUINTET_HAVE_AUDIO
    quintet::AudioOptions audio;
    audio.soundfont = a.soundfont;
    audio.sample_rate = a.sample_rate;
    audio.gain = a.gain;
    if (!a.wav.empty()) {
        audio.soundfont = quintet::resolve_soundfont(audio);  // fail before writing anything
        quintet::render_wav(mt, a.wav, audio);
        const double secs = static_cast<double>(quintet::rendered_frames(mt, audio)) / audio.sample_rate;
        std::printf("wrote %s (%.1f s, %d Hz stereo, %s)\n", a.wav.c_str(), secs, audio.sample_rate,
                    audio.soundfont.filename().c_str());
    }
#endif
#ifdef QUINTET_HAVE_IMAGES
    if (!a.png.empty()) {
        quintet::PianoRollImageOptions o;
        o.title = !a.title.empty() ? a.title : fs::path(a.file).filename().string();
        try {
            quintet::write_pianoroll_png(mt, a.png, o);
        } catch (...) {
            // All or nothing: a failed picture takes the WAV written a moment ago with it.
            std::error_code ec;
            if (!a.wav.empty()) fs::remove(a.wav, ec);
            throw;
        }
        const auto layout = quintet::pianoroll_layout(mt, o);
        std::printf("wrote %s (%dx%d, %zu lanes)\n", a.png.c_str(), layout.width, layout.height, layout.lanes.size());
    }
#endif
}

const bool registered = quintet::cli::register_command([](CLI::App& app) {
    auto args = std::make_shared<RenderArgs>();
    auto* cmd = app.add_subcommand("render", "render a song (.mid or .npz) to a WAV file and/or a piano-roll PNG");
    cmd->add_option("FILE", args->file, "a .mid/.midi or .npz file")->required();
    cmd->add_option("--wav", args->wav, "write 16-bit stereo WAV audio here (FluidSynth)");
    cmd->add_option("--png", args->png, "write a piano-roll picture here");
    cmd->add_option("--soundfont", args->soundfont,
                    "SoundFont (.sf2); default: $QUINTET_SOUNDFONT, else /usr/share/sounds/sf2/FluidR3_GM.sf2");
    cmd->add_option("--title", args->title, "picture title (default: the file name)");
    cmd->add_flag("--full", args->full, "MIDI input: keep every MIDI instrument instead of merging into the LPD-5 five");
    cmd->add_option("--sample-rate", args->sample_rate, "audio sample rate in Hz")->capture_default_str()->check(CLI::Range(8000, 96000));
    cmd->add_option("--gain", args->gain, "synthesizer gain")->capture_default_str()->check(CLI::Range(0.0, 10.0));
    cmd->callback([args] { run(*args); });
});

}  // namespace
