#pragma once
// Each quintet subcommand lives in its own cli/*.cpp and registers itself at static-init time:
//   static const bool registered = quintet::cli::register_command([](CLI::App& app, int argc, char** argv) { ... });
// argc/argv let a command add options that depend on its arguments (generate RUN: the run's system's options).
#include <functional>
#include <vector>

namespace CLI { class App; }

namespace quintet::cli {

using CommandSetup = std::function<void(CLI::App& app, int argc, char** argv)>;
bool register_command(CommandSetup setup);
const std::vector<CommandSetup>& registered_commands();

}  // namespace quintet::cli
