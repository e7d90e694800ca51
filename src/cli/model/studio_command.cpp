// `quintet studio [--runs DIR] [--port 8765] [--host 127.0.0.1]`: the web studio (src/studio/). It lives in
// quintet-nn because it generates in-process: a run is opened once and every song after that costs only its
// sampling (docs/studio.md says why not a process per song).
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <memory>
#include <pthread.h>
#include <thread>

#include "cli/command.hpp"
#include "studio/studio_server.hpp"
#include "util/error.hpp"

namespace {

void run_studio(quintet::studio::StudioConfig config) {
    using namespace quintet::studio;
    if (config.workers < 1) throw quintet::UsageError("--workers must be at least 1");
    if (config.port < 0 || config.port > 65535) throw quintet::UsageError("--port must be between 0 and 65535");
    // SIGINT and SIGTERM go to one thread that stops the server: the jobs under way finish their songs,
    // so nothing half-written is left in the history.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    StudioServer server(config);
    const int port = server.bind();
    if (!is_loopback_host(config.host))
        std::fprintf(stderr, "warning: the studio listens on %s: other machines can reach it (it has no login)\n",
                     config.host.c_str());
    const std::string host = config.host.find(':') != std::string::npos ? "[" + config.host + "]" : config.host;
    std::printf("quintet studio: serving %s on http://%s:%d/ (Ctrl-C stops it)\n", config.runs.string().c_str(),
                host.c_str(), port);
    std::fflush(stdout);
    std::thread watcher([&] {
        int signal = 0;
        sigwait(&stop_signals, &signal);
        if (signal == SIGINT || signal == SIGTERM) {
            std::fprintf(stderr, "quintet studio: stopping (finishing the songs under way)\n");
            server.stop();
        }
    });
    server.serve();
    // serve() also ends without a signal (the socket failed): wake the watcher so it can be joined.
    pthread_kill(watcher.native_handle(), SIGTERM);
    watcher.join();
}

const bool registered = quintet::cli::register_command([](CLI::App& app, int, char**) {
    auto c = std::make_shared<quintet::studio::StudioConfig>();
    auto* cmd = app.add_subcommand("studio", "the web studio: runs, generation, piano roll and audio in the browser");
    cmd->add_option("--runs", c->runs, "directory whose run directories (any system) it serves")->capture_default_str();
    cmd->add_option("--port", c->port, "TCP port (0: any free one)")->capture_default_str();
    cmd->add_option("--host", c->host, "address to listen on; anything but loopback is printed as a warning")->capture_default_str();
    cmd->add_option("--workers", c->workers, "songs generated at once")->capture_default_str();
    cmd->add_option("--state", c->state, "where the history and uploads are kept (default: RUNS/.studio)");
    cmd->add_option("--corpora", c->corpora, "where the stores a training may use are (*.qstore, *.store; default: RUNS)");
    cmd->add_option("--upload-limit", c->upload_limit, "largest upload in bytes")->capture_default_str();
    cmd->add_option("--device", c->device, "cpu, cuda or cuda:N")->capture_default_str();
    cmd->callback([c] { run_studio(*c); });
});

}  // namespace
