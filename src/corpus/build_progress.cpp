#include "corpus/build_progress.hpp"

#include <unistd.h>

#include <cmath>

namespace quintet {

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const long s = std::lround(seconds);
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, s / 60 % 60);
    else if (s >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%lds", s);
    return buf;
}

BuildProgress::BuildProgress(std::string label, std::size_t total, std::FILE* out)
    : label_(std::move(label)), total_(total), out_(out), tty_(out && isatty(fileno(out))),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

double BuildProgress::elapsed_seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void BuildProgress::draw(std::size_t done, bool final) {
    const double t = elapsed_seconds();
    const double rate = t > 0 ? static_cast<double>(done) / t : 0.0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : NAN;
    std::fprintf(out_, "%s%s: %zu/%zu songs (%.0f%%), %.1f songs/s, %s %s%s", tty_ ? "\r\033[K" : "", label_.c_str(), done,
                 total_, total_ ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0, rate,
                 final ? "elapsed" : "ETA", format_duration(final ? t : eta).c_str(), tty_ && !final ? "" : "\n");
    std::fflush(out_);
}

void BuildProgress::update(std::size_t done) {
    done_ = done;
    if (!out_) return;
    if (tty_) {
        const auto now = std::chrono::steady_clock::now();
        if (now - last_draw_ < std::chrono::milliseconds(200) && done != total_) return;
        last_draw_ = now;
        draw(done, false);
    } else if (total_ > 0) {
        const std::size_t decile = done * 10 / total_;
        if (decile > last_decile_ && done != total_) {
            last_decile_ = decile;
            draw(done, false);
        }
    }
}

void BuildProgress::warn(const std::string& line) {
    if (!out_) return;
    std::fprintf(out_, "%s%s\n", tty_ ? "\r\033[K" : "", line.c_str());
    if (tty_) draw(done_, false);
    std::fflush(out_);
}

void BuildProgress::finish(const std::string& summary) {
    if (!out_) return;
    draw(done_, true);
    if (!summary.empty()) std::fprintf(out_, "%s\n", summary.c_str());
    std::fflush(out_);
}

}  // namespace quintet
