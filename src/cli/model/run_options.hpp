#pragma once
// `generate RUN` and `eval --model RUN`: the sample options of the run's system, added to the command before
// parsing (quintet-nn only: it needs the registry).
#include <memory>
#include <string>

#include "systems/system.hpp"

namespace CLI { class App; }

namespace quintet::cli {

// Finds the run after `command_word` in argv, and adds its system's sample options to `command`. Returns the
// settings those options write into, or null when there is no readable run (the caller reports why later).
std::unique_ptr<Settings> add_run_sample_options(CLI::App& command, int argc, char** argv, const std::string& command_word);

// For a system whose table has no --keep: --from and --keep are refused with one line naming the systems
// that have them (rather than CLI11's "not expected").
void refuse_regeneration_options(CLI::App& command, const std::string& kind, const OptionTable& table);

}  // namespace quintet::cli
