#pragma once
// An option table (systems/options.hpp) as CLI11 options of a command.
#include "systems/options.hpp"

namespace CLI { class App; }

namespace quintet::cli {

// Adds every option of the table; values go through the table's setters when the command line is parsed.
void add_option_table(CLI::App& command, const OptionTable& table);

// The first argument after `command_word` that is a run directory (has config.json), or "" when there is
// none: `generate RUN` and `eval --model RUN` add that run's system's options before parsing.
std::string find_run_argument(int argc, char** argv, const std::string& command_word);

}  // namespace quintet::cli
