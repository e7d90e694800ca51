// `quintet version`: what was built in.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.hpp"
#include "cli/hand_over.hpp"

namespace {
const bool registered = quintet::cli::register_command([](CLI::App& app, int, char**) {
    auto* cmd = app.add_subcommand("version", "print the version and the features built in");
    cmd->callback([] {
        std::error_code ec;  // the networks are in quintet-nn beside this binary
        std::printf("quintet 0.1.0 (torch:%s zip:%s audio:%s images:%s)\n",
                    std::filesystem::is_regular_file(quintet::cli::nn_binary_path(), ec) ? "on" : "off",
#ifdef QUINTET_HAVE_ZIP
                    "on",
#else
                    "off",
#endif
#ifdef QUINTET_HAVE_AUDIO
                    "on",
#else
                    "off",
#endif
#ifdef QUINTET_HAVE_IMAGES
                    "on"
#else
                    "off"
#endif
        );
    });
});
}  // namespace
