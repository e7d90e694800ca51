// quintet (core build): training and generation from a corpus store with LibTorch and the standard
// library alone, for machines without CLI11, nlohmann-json, FluidSynth or libpng (QUINTET_WITH_CLI=OFF),
// such as a GPU box that only has Python's CUDA LibTorch. Same option names as the full CLI.
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "generate/vae_nn_system.hpp"
#include "io/midi/midi_write.hpp"
#include "util/error.hpp"
#include "util/error_report.hpp"

namespace {

using quintet::UsageError;
using Setter = std::function<void(const std::string&)>;

long long to_int(const std::string& name, const std::string& v) {
    try {
        std::size_t used = 0;
        long long x = std::stoll(v, &used);
        if (used == v.size()) return x;
    } catch (const std::exception&) {
    }
    throw UsageError(name + ": expected an integer, got '" + v + "'");
}

double to_double(const std::string& name, const std::string& v) {
    try {
        std::size_t used = 0;
        double x = std::stod(v, &used);
        if (used == v.size()) return x;
    } catch (const std::exception&) {
    }
    throw UsageError(name + ": expected a number, got '" + v + "'");
}

// Parses "--name value" options and "--flag" flags; the first non-option argument goes to `positional`.
void parse(const std::vector<std::string>& args, const std::map<std::string, Setter>& options,
           const std::map<std::string, bool*>& flags, std::string* positional) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (auto f = flags.find(a); f != flags.end()) {
            *f->second = true;
        } else if (auto o = options.find(a); o != options.end()) {
            if (i + 1 >= args.size()) throw UsageError(a + ": needs a value");
            o->second(args[++i]);
        } else if (positional && positional->empty() && !a.empty() && a[0] != '-') {
            *positional = a;
        } else {
            throw UsageError("unknown argument: " + a);
        }
    }
}

void train_vae(const std::vector<std::string>& args) {
    quintet::VaeNnTrainConfig c;
    std::string corpus, out;
    parse(args,
          {{"--corpus", [&](const std::string& v) { corpus = v; }},
           {"--out", [&](const std::string& v) { out = v; }},
           {"--latent", [&](const std::string& v) { c.latent = int(to_int("--latent", v)); }},
           {"--epochs", [&](const std::string& v) { c.epochs = int(to_int("--epochs", v)); }},
           {"--net-epochs", [&](const std::string& v) { c.net_epochs = int(to_int("--net-epochs", v)); }},
           {"--batch", [&](const std::string& v) { c.batch = int(to_int("--batch", v)); }},
           {"--lr", [&](const std::string& v) { c.lr = to_double("--lr", v); }},
           {"--device", [&](const std::string& v) { c.device = v; }},
           {"--seed", [&](const std::string& v) { c.seed = std::uint64_t(to_int("--seed", v)); }},
           {"--early-stop", [&](const std::string& v) { c.early_stop = int(to_int("--early-stop", v)); }},
           {"--likelihood", [&](const std::string& v) { c.likelihood = v; }},
           {"--latent-nets", [&](const std::string& v) { c.latent_nets = v; }},
           {"--kl-warmup", [&](const std::string& v) { c.kl_warmup = int(to_int("--kl-warmup", v)); }},
           {"--max-windows", [&](const std::string& v) { c.max_windows = to_int("--max-windows", v); }}},
          {{"--resume", &c.resume}, {"--quiet", &c.quiet}}, nullptr);
    if (corpus.empty() || out.empty()) throw UsageError("train vae: --corpus and --out are required");
    quintet::VaeNnSystem system;
    system.train_config = c;
    system.train(corpus, out);
    std::printf("run directory: %s\n", out.c_str());
}

void generate(const std::vector<std::string>& args) {
    quintet::VaeNnGenerateOptions o;
    std::string run, midi, seed_file;
    bool velocity = false, seed_random = false, seed_from_corpus = false;
    parse(args,
          {{"-o", [&](const std::string& v) { midi = v; }},
           {"--out", [&](const std::string& v) { midi = v; }},
           {"--blocks", [&](const std::string& v) { o.blocks = int(to_int("--blocks", v)); }},
           {"--seed-file", [&](const std::string& v) { seed_file = v; }},
           {"--seed-block", [&](const std::string& v) { o.seed_block = int(to_int("--seed-block", v)); }},
           {"--noise-sd", [&](const std::string& v) { o.noise_sd = to_double("--noise-sd", v); }},
           {"--noise-at", [&](const std::string& v) { o.noise_at = quintet::parse_noise_at(v); }},
           {"--threshold", [&](const std::string& v) { o.threshold = quintet::parse_threshold(v); }},
           {"--tempo", [&](const std::string& v) { o.tempo = to_double("--tempo", v); }},
           {"--seed", [&](const std::string& v) { o.seed = std::uint64_t(to_int("--seed", v)); }},
           {"--style", [&](const std::string& v) { o.style_files.push_back(v); }},
           {"--style-artist", [&](const std::string& v) { o.style_artist = v; }},
           {"--alpha", [&](const std::string& v) { o.alpha = to_double("--alpha", v); }},
           {"--device", [&](const std::string& v) { o.device = v; }}},
          {{"--velocity", &velocity}, {"--seed-random", &seed_random}, {"--seed-from-corpus", &seed_from_corpus}},
          &run);
    if (run.empty() || midi.empty()) throw UsageError("generate: RUN and -o song.mid are required");
    quintet::choose_seed_source(o, seed_file, seed_from_corpus, seed_random);
    o.binarize = !velocity;
    quintet::VaeNnSystem system;
    system.generate_options = o;
    quintet::MidiWriteOptions w;
    w.tempo_bpm = o.tempo;
    quintet::write_midi(system.generate(run), midi, w);
    std::printf("wrote %s\n", midi.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    const char* usage =
        "usage: quintet train vae --corpus STORE --out RUN [options]\n"
        "       quintet generate RUN -o song.mid [options]\n"
        "(core build: training and generation only; options as in the full CLI, see docs/vae.md)\n";
    return quintet::run_reporting_errors([&] {
        if (args.size() >= 2 && args[0] == "train" && args[1] == "vae") {
            train_vae({args.begin() + 2, args.end()});
        } else if (!args.empty() && args[0] == "generate") {
            generate({args.begin() + 1, args.end()});
        } else {
            const bool asked = args.empty() || args[0] == "--help";
            std::fputs(usage, asked ? stdout : stderr);
            return asked ? 0 : 2;
        }
        return 0;
    });
}
