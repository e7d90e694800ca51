// `quintet version`: what was built in.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.hpp"

namespace {
const bool registered = quintet::cli::register_command([](CLI::App& app) {
    auto* cmd = app.add_subcommand("version", "print the version and the features built in");
    cmd->callback([] {
        std::printf("quintet 0.1.0 (torch:%s zip:%s audio:%s images:%s)\n",
#ifdef QUINTET_HAVE_TORCH
                    "on",
#else
                    "off",
#endif
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
