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
        auto settings = make_system(describe_run(run).kind)->sample_settings();
        add_option_table(command, settings->options());
        return settings;
    } catch (const Error&) {
        return nullptr;
    }
}

}  // namespace quintet::cli
