// `quintet generate RUN -o song.mid`: a new song from a trained VAE-NN run (plus WAV and PNG on request).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.hpp"
#include "cli/song_outputs.hpp"
#include "io/midi/midi_write.hpp"
#include "util/error.hpp"

#ifdef QUINTET_HAVE_TORCH
#include "generate/vae_nn_system.hpp"
#endif

namespace {

#ifdef QUINTET_HAVE_TORCH
struct GenerateArgs {
    std::filesystem::path run, midi;
    quintet::cli::SongOutputs outputs;  // --wav, --png
    std::string seed_file, noise_at = "predicted", threshold = "auto";
    bool seed_from_corpus = false, seed_random = false, binarize = false, velocity = false;
    quintet::VaeNnGenerateOptions options;
};

void run_generate(GenerateArgs& a) {
    using namespace quintet;
    auto& o = a.options;
    choose_seed_source(o, a.seed_file, a.seed_from_corpus, a.seed_random);
    if (a.binarize && a.velocity) throw UsageError("--binarize and --velocity exclude each other");
    o.binarize = !a.velocity;
    o.noise_at = parse_noise_at(a.noise_at);
    o.threshold = parse_threshold(a.threshold);
    cli::check_song_outputs(a.outputs);
    VaeNnSystem system;
    system.generate_options = o;
    Multitrack song = system.generate(a.run);
    MidiWriteOptions midi;
    midi.tempo_bpm = o.tempo;
    write_midi(song, a.midi, midi);
    std::printf("wrote %s (%d blocks of 16 beats at %g bpm)\n", a.midi.string().c_str(), o.blocks, o.tempo);
    cli::write_song_outputs(song, a.outputs);
}
#endif

const bool registered = quintet::cli::register_command([](CLI::App& app) {
#ifdef QUINTET_HAVE_TORCH
    auto a = std::make_shared<GenerateArgs>();
    auto& o = a->options;
    auto* cmd = app.add_subcommand("generate", "generate a song from a trained VAE-NN run directory");
    cmd->add_option("run", a->run, "run directory (quintet train vae --out)")->required();
    cmd->add_option("-o,--out", a->midi, "MIDI file to write")->required();
    cmd->add_option("--wav", a->outputs.wav, "also render a WAV (FluidSynth, GM soundfont)");
    cmd->add_option("--png", a->outputs.png, "also draw a piano-roll PNG");
    cmd->add_option("--blocks", o.blocks, "32-step blocks (16 beats each), the seed block included")->capture_default_str();
    cmd->add_option("--seed-file", a->seed_file, "seed from a .mid or .npz file");
    cmd->add_option("--seed-block", o.seed_block, "which 32-step block of --seed-file")->capture_default_str();
    cmd->add_flag("--seed-from-corpus", a->seed_from_corpus, "seed from a window of the run's training corpus (default when it exists)");
    cmd->add_flag("--seed-random", a->seed_random, "seed from random latents");
    cmd->add_option("--noise-sd", o.noise_sd, "sd of the Gaussian noise on the latents (the article: 0.5-1.0)")->capture_default_str();
    cmd->add_option("--noise-at", a->noise_at, "predicted (the original code) or input (the article's text)")
        ->check(CLI::IsMember({"predicted", "input"}))
        ->capture_default_str();
    cmd->add_option("--threshold", a->threshold,
                    "decoded values below this are silence; auto: the run's per-instrument thresholds (best valid F1)")
        ->capture_default_str();
    cmd->add_flag("--binarize", a->binarize, "notes at velocity 101 (strings 76), the default");
    cmd->add_flag("--velocity", a->velocity, "decoded values as velocities");
    cmd->add_option("--tempo", o.tempo, "bpm")->capture_default_str();
    cmd->add_option("--seed", o.seed, "random seed: the same seed gives the same MIDI bytes")->capture_default_str();
    cmd->add_option("--style", o.style_files, "reference songs (.mid/.npz) whose latents are mixed in");
    cmd->add_option("--style-artist", o.style_artist, "reference songs: corpus songs whose artist contains NAME");
    cmd->add_option("--alpha", o.alpha, "style weight in [0, 1]: z' = alpha*s + (1-alpha)*z")->capture_default_str();
    cmd->add_option("--device", o.device, "cpu, cuda or cuda:N")->capture_default_str();
    cmd->callback([a] { run_generate(*a); });
#else
    (void)app;
#endif
});

}  // namespace
