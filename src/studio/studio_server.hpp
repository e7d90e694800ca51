#pragma once
// `quintet studio`: the HTTP server (cpp-httplib) with the JSON API and the page (studio/page/, built into
// the binary). docs/studio.md lists the endpoints.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace quintet::studio {

struct StudioConfig {
    std::filesystem::path runs = "runs";   // the runs it serves (any system)
    std::filesystem::path state;           // history/ and uploads/; empty: RUNS/.studio
    std::filesystem::path corpora;         // the stores a training may use (*.qstore, *.store); empty: RUNS
    std::string host = "127.0.0.1";
    int port = 8765;                        // 0: any free port
    int workers = 2;                        // generation jobs at once
    std::size_t max_queued = 64;            // jobs waiting; more is a 503
    std::size_t upload_limit = 8u << 20;    // bytes
    std::string device = "cpu";
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

class StudioServer {
public:
    explicit StudioServer(StudioConfig config);  // IoError when --runs is not a readable directory
    ~StudioServer();
    // Binds the socket; returns the port (the chosen one when config.port is 0). IoError when it cannot.
    int bind();
    // Serves until stop(); then finishes the running jobs (queued ones are cancelled) and returns.
    void serve();
    void stop();  // from any thread

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace quintet::studio
