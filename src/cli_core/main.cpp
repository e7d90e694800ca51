// quintet (core build): training and generation from a corpus store with LibTorch and the standard
// library alone, for machines without CLI11, nlohmann-json, FluidSynth or libpng (QUINTET_WITH_CLI=OFF),
// such as a GPU box that only has Python's CUDA LibTorch. Its options come from the same tables as the
// full CLI's (systems/request_options.hpp and each system's own).
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "io/midi/midi_write.hpp"
#include "runs/run_dir.hpp"
#include "systems/registry.hpp"
#include "systems/request_options.hpp"
#include "systems/train_launch.hpp"
#include "util/error.hpp"
#include "util/error_report.hpp"

namespace {

using quintet::OptionTable;
using quintet::UsageError;

// "--name value", "--name=value" and "--flag" against the tables; the first bare argument goes to
// `positional` when one is wanted.
void parse(const std::vector<std::string>& args, const std::vector<const OptionTable*>& tables, std::string* positional) {
    auto find = [&](const std::string& name) -> const OptionTable* {
        for (const auto* t : tables)
            if (quintet::find_option(*t, name)) return t;
        return nullptr;
    };
    std::vector<const quintet::Option*> given;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string name = args[i], value;
        const bool inline_value = name.rfind("--", 0) == 0 && name.find('=') != std::string::npos;
        if (inline_value) {
            value = name.substr(name.find('=') + 1);
            name = name.substr(0, name.find('='));
        }
        if (const OptionTable* table = find(name)) {
            const auto* o = quintet::find_option(*table, name);
            given.push_back(o);
            if (o->kind == quintet::Option::Kind::Flag) {
                if (inline_value) throw UsageError(name + ": takes no value");
                quintet::set_option(*table, name, "true");
                continue;
            }
            if (!inline_value) {
                if (i + 1 >= args.size()) throw UsageError(name + ": needs a value");
                value = args[++i];
            }
            quintet::set_option(*table, name, value);
        } else if (positional && positional->empty() && !name.empty() && name[0] != '-') {
            *positional = name;
        } else {
            throw UsageError("unknown argument: " + args[i]);
        }
    }
    for (const auto* t : tables)
        for (const auto& o : *t)
            if (o.required && std::find(given.begin(), given.end(), &o) == given.end())
                throw UsageError(o.name + " is required");
}

void print_table(const OptionTable& table) {
    for (const auto& o : table)
        std::printf("  %-22s %s%s\n", o.name.c_str(), o.help.c_str(),
                    o.default_value.empty() ? "" : (" [" + o.default_value + "]").c_str());
}

int train(const std::string& kind, const std::vector<std::string>& args) {
    auto system = quintet::make_system(kind);
    auto settings = system->train_settings();
    quintet::TrainRequest request;
    const OptionTable common = quintet::train_request_options(request);
    if (args.size() == 1 && args[0] == "--help") {
        std::printf("quintet train %s --corpus STORE --out RUN [options]\n", system->kind().c_str());
        print_table(common);
        print_table(settings->options());
        return 0;
    }
    parse(args, {&common, &settings->options()}, nullptr);
    if (!quintet::train_as_requested(*system, request, *settings)) return 0;  // not the rank that reports
    std::printf("run directory: %s\n", request.run_dir.string().c_str());
    return 0;
}

int generate(const std::vector<std::string>& args) {
    std::string run;
    std::filesystem::path midi;
    quintet::SampleRequest request;
    std::string device = "cpu";
    OptionTable outputs = {quintet::path_option("--out", "MIDI file to write", midi)};
    outputs.back().aliases = {"-o"};
    outputs.back().required = true;
    const OptionTable common = quintet::sample_request_options(request, device);
    // The run decides which options exist: find it first (the first bare argument that is a run).
    for (const auto& a : args)
        if (!a.empty() && a[0] != '-' && std::filesystem::exists(std::filesystem::path(a) / "config.json")) {
            run = a;
            break;
        }
    if (run.empty()) throw UsageError("generate: RUN (a trained run directory) and -o song.mid are required");
    auto system = quintet::make_system(quintet::describe_run(run).kind);
    auto settings = system->sample_settings();
    std::string positional;
    parse(args, {&outputs, &common, &settings->options()}, &positional);
    quintet::check_sample_request(request);
    quintet::MidiWriteOptions w;
    w.tempo_bpm = request.tempo;
    quintet::write_midi(system->open(run, device)->sample(request, *settings), midi, w);
    std::printf("wrote %s\n", midi.string().c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string kinds;
    for (const auto& e : quintet::registered_systems()) kinds += (kinds.empty() ? "" : "|") + e.kind;
    const std::string usage = "usage: quintet train " + kinds + " --corpus STORE --out RUN [options]   (train KIND --help)\n"
                              "       quintet generate RUN -o song.mid [options]\n"
                              "(core build: training and generation only; options as in the full CLI)\n";
    return quintet::run_reporting_errors([&] {
        if (args.size() >= 2 && args[0] == "train") return train(args[1], {args.begin() + 2, args.end()});
        if (!args.empty() && args[0] == "generate") return generate({args.begin() + 1, args.end()});
        const bool asked = args.empty() || args[0] == "--help";
        std::fputs(usage.c_str(), asked ? stdout : stderr);
        return asked ? 0 : 2;
    });
}
