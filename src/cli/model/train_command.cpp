// `quintet train KIND --corpus STORE --out RUN ...`: one subcommand per registered system, its options
// from the shared request table and the system's own table.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <memory>

#include "cli/command.hpp"
#include "cli/option_table_cli.hpp"
#include "systems/registry.hpp"
#include "systems/request_options.hpp"
#include "systems/train_launch.hpp"

namespace {

struct TrainArgs {
    std::unique_ptr<quintet::System> system;
    std::unique_ptr<quintet::Settings> settings;
    quintet::TrainRequest request;
    quintet::OptionTable common;
};

void run_train(TrainArgs& a) {
    const auto reported = quintet::train_as_requested(*a.system, a.request, *a.settings);
    if (!reported) return;  // another rank of a distributed job, or the starter of --nproc ranks (rank 0 reported)
    const auto& result = *reported;
    std::printf("trained %s:", a.system->kind().c_str());
    for (std::size_t i = 0; i < result.stages.size(); ++i) {
        const auto& s = result.stages[i];
        std::printf("%s %d epochs of the %s", i ? "," : "", s.epochs, s.name.c_str());
        if (std::isfinite(s.best_valid)) std::printf(" (best valid %s %.4g)", s.loss.c_str(), s.best_valid);
    }
    std::printf("\nrun directory: %s\n", a.request.run_dir.string().c_str());
}

const bool registered = quintet::cli::register_command([](CLI::App& app, int, char**) {
    auto* train = app.add_subcommand("train", "train a system from a corpus store");
    train->require_subcommand(1);
    for (const auto& entry : quintet::registered_systems()) {
        auto a = std::make_shared<TrainArgs>();
        a->system = entry.make();
        a->settings = a->system->train_settings();
        a->common = quintet::train_request_options(a->request);
        auto* cmd = train->add_subcommand(entry.kind, a->system->summary());
        for (const auto& alias : entry.aliases) cmd->alias(alias);
        quintet::cli::add_option_table(*cmd, a->common);
        quintet::cli::add_option_table(*cmd, a->settings->options());
        cmd->callback([a] { run_train(*a); });
    }
});

}  // namespace
