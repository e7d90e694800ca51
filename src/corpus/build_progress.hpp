#pragma once
// Progress of a corpus build on stderr: on a terminal one line redrawn in place (done/total, songs/s,
// ETA); otherwise one line per tenth of the work. Warnings go on their own lines either way.
#include <chrono>
#include <cstdio>
#include <string>

namespace quintet {

class BuildProgress {
public:
    BuildProgress(std::string label, std::size_t total, std::FILE* out);  // out == nullptr: silent
    void update(std::size_t done);
    void warn(const std::string& line);
    void finish(const std::string& summary);
    double elapsed_seconds() const;

private:
    void draw(std::size_t done, bool final);
    std::string label_;
    std::size_t total_;
    std::FILE* out_;
    bool tty_;
    std::chrono::steady_clock::time_point start_, last_draw_;
    std::size_t last_decile_ = 0, done_ = 0;
};

// "1h02m", "3m05s", "12s".
std::string format_duration(double seconds);

}  // namespace quintet
