// `quintet --help` lists train, generate and studio although this binary hands them over to quintet-nn
// (cli/hand_over.hpp) before parsing: these entries are only the listing.
#include <CLI/CLI.hpp>

#include "cli/command.hpp"

namespace {
const bool registered = quintet::cli::register_command([](CLI::App& app, int, char**) {
    app.add_subcommand("train", "train a system from a corpus store (quintet train KIND --help)")->allow_extras();
    app.add_subcommand("generate", "generate a song from a trained run (quintet generate RUN --help)")->allow_extras();
    app.add_subcommand("studio", "the web studio in the browser (quintet studio --help)")->allow_extras();
});
}  // namespace
