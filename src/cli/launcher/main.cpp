// quintet: thin CLI over the library. Every error is one line on stderr and exit code 2.
// Built twice: `quintet` (no LibTorch: the commands that use no model start in milliseconds) hands train,
// generate and eval --model over to `quintet-nn` beside it, which is this same main with those commands.
#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "util/error.hpp"
#include "util/error_report.hpp"

#ifndef QUINTET_NN_BINARY
#include "cli/hand_over.hpp"
#endif

namespace quintet::cli {

static std::vector<CommandSetup>& registry() {
    static std::vector<CommandSetup> commands;
    return commands;
}
bool register_command(CommandSetup setup) {
    registry().push_back(std::move(setup));
    return true;
}
const std::vector<CommandSetup>& registered_commands() { return registry(); }

}  // namespace quintet::cli

int main(int argc, char** argv) {
#ifndef QUINTET_NN_BINARY
    if (quintet::cli::needs_models(argc, argv)) return quintet::run_reporting_errors([&] { return quintet::cli::hand_over(argc, argv); });
#endif
    CLI::App app{"quintet: multi-track music generation with deep learning"};
    app.require_subcommand(1);
    for (const auto& setup : quintet::cli::registered_commands()) setup(app, argc, argv);
    return quintet::run_reporting_errors([&] {
        try {
            app.parse(argc, argv);
        } catch (const CLI::CallForHelp& e) {
            return app.exit(e);
        } catch (const CLI::CallForAllHelp& e) {
            return app.exit(e);
        } catch (const CLI::ParseError& e) {
            throw quintet::UsageError(e.what());  // a bad command line: one line, exit 2
        }
        return 0;
    });
}
