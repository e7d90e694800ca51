// `quintet convert IN OUT`: MIDI <-> LPD npz by extension. MIDI is read the LPD way (midi_to_lpd5, 24 steps
// per beat unless --resolution); npz is written by write_npz, MIDI by write_midi.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.hpp"
#include "cli/render_song_input.hpp"
#include "io/midi/midi_write.hpp"

namespace {

struct ConvertArgs {
    std::string in, out;
    int resolution = 0;
    bool full = false;
};

const bool registered = quintet::cli::register_command([](CLI::App& app, int, char**) {
    auto args = std::make_shared<ConvertArgs>();
    auto* cmd = app.add_subcommand("convert", "convert between MIDI (.mid) and LPD piano rolls (.npz), by extension");
    cmd->add_option("IN", args->in, "a .mid/.midi or .npz file")->required();
    cmd->add_option("OUT", args->out, "the .mid or .npz file to write")->required();
    cmd->add_option("--resolution", args->resolution,
                    "steps per beat of the piano roll (default: 24 from MIDI, unchanged from npz)")
        ->check(CLI::Range(1, 960));
    cmd->add_flag("--full", args->full, "MIDI input: keep every MIDI instrument instead of merging into the LPD-5 five");
    cmd->callback([args] {
        using quintet::cli::SongFormat;
        const SongFormat out_format = quintet::cli::song_format(args->out);  // refuse a bad OUT before reading
        const auto in = quintet::cli::load_song_input(args->in, args->full, args->resolution);
        if (out_format == SongFormat::Midi) {
            quintet::write_midi(in.mt, args->out);
        } else {
#ifdef QUINTET_HAVE_ZIP
            quintet::write_npz(in.mt, args->out);
#endif
        }
        std::printf("wrote %s (%zu tracks, %zu steps at %d steps per beat)\n", args->out.c_str(), in.mt.tracks.size(),
                    in.mt.steps(), in.mt.resolution);
    });
});

}  // namespace
