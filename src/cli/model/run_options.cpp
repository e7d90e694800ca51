#include "cli/model/run_options.hpp"

#include <CLI/CLI.hpp>

#include "cli/option_table_cli.hpp"
#include "runs/run_dir.hpp"
#include "systems/registry.hpp"
#include "util/error.hpp"

namespace quintet::cli {

std::unique_ptr<Settings> add_run_sample_options(CLI::App& command, int argc, char** argv, const std::string& command_word) {
    const std::string run = find_run_argument(argc, argv, command_word);
    if (run.empty()) return nullptr;
    try {
        const std::string kind = describe_run(run).kind;
        auto settings = make_system(kind)->sample_settings();
        add_option_table(command, settings->options());
        refuse_regeneration_options(command, kind, settings->options());
        return settings;
    } catch (const Error&) {
        return nullptr;
    }
}

void refuse_regeneration_options(CLI::App& command, const std::string& kind, const OptionTable& table) {
    if (find_option(table, "--keep")) return;
    std::string able;
    for (const auto& e : registered_systems()) {
        auto settings = e.make()->sample_settings();
        if (find_option(settings->options(), "--keep")) able += (able.empty() ? "" : ", ") + e.kind;
    }
    for (const char* name : {"--from", "--keep"}) {
        if (find_option(table, name)) continue;
        const std::string line = std::string(name) + ": a " + kind + " run cannot regenerate some instruments of a song " +
                                 "(docs/studio.md says why); runs of " + able + " can";
        command.add_option(name, [line](const CLI::results_t&) -> bool { throw UsageError(line); }, "")->group("");
    }
}

}  // namespace quintet::cli
