// `quintet generate RUN -o song.mid`: a new song from a trained run (plus WAV and PNG on request). The run's
// config.json names its system; that system's sample options join the shared ones
// (`quintet generate RUN --help` lists them).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "cli/command.hpp"
#include "cli/model/run_options.hpp"
#include "cli/option_table_cli.hpp"
#include "cli/song_outputs.hpp"
#include "io/midi/midi_write.hpp"
#include "runs/run_dir.hpp"
#include "systems/registry.hpp"
#include "systems/request_options.hpp"
#include "util/error.hpp"

namespace {

struct GenerateArgs {
    std::filesystem::path run, midi;
    quintet::cli::SongOutputs outputs;  // --wav, --png
    quintet::SampleRequest request;
    std::string device = "cpu";
    quintet::OptionTable common;
    std::unique_ptr<quintet::Settings> settings;  // the run's system's, when RUN was found before parsing
};

void run_generate(GenerateArgs& a) {
    using namespace quintet;
    cli::check_song_outputs(a.outputs);
    check_sample_request(a.request);
    auto system = make_system(describe_run(a.run).kind);
    if (!a.settings) a.settings = system->sample_settings();
    Multitrack song = system->open(a.run, a.device)->sample(a.request, *a.settings);
    MidiWriteOptions midi;
    midi.tempo_bpm = a.request.tempo;
    write_midi(song, a.midi, midi);
    const double bars = double(song.tracks.empty() ? 0 : song.tracks.front().steps()) / song.resolution / 4;
    std::printf("wrote %s (%g bars at %g bpm)\n", a.midi.string().c_str(), bars, a.request.tempo);
    cli::write_song_outputs(song, a.outputs);
}

const bool registered = quintet::cli::register_command([](CLI::App& app, int argc, char** argv) {
    auto a = std::make_shared<GenerateArgs>();
    auto* cmd = app.add_subcommand("generate", "generate a song from a trained run directory (RUN --help: its options)");
    cmd->add_option("run", a->run, "run directory (quintet train KIND --out)")->required();
    cmd->add_option("-o,--out", a->midi, "MIDI file to write")->required();
    cmd->add_option("--wav", a->outputs.wav, "also render a WAV (FluidSynth, GM soundfont)");
    cmd->add_option("--png", a->outputs.png, "also draw a piano-roll PNG");
    a->common = quintet::sample_request_options(a->request, a->device);
    quintet::cli::add_option_table(*cmd, a->common);
    // The run's system's own options, when the run can be read now; otherwise the run is reported at parse
    // time (no such run, not a run, unknown system), not as an unknown option.
    a->settings = quintet::cli::add_run_sample_options(*cmd, argc, argv, "generate");
    if (!a->settings) cmd->allow_extras();
    cmd->callback([a, cmd] {
        if (!cmd->remaining().empty()) {
            quintet::describe_run(a->run);  // says why the run's options are unknown
            quintet::make_system(quintet::describe_run(a->run).kind);
            throw quintet::UsageError("unknown argument: " + cmd->remaining().front());
        }
        run_generate(*a);
    });
});

}  // namespace
