#include "util/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
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

namespace {

constexpr const char* kWipe = "\r\033[K";  // back to column 0, clear to the end of the line
constexpr int kBarWidth = 20;

// One decimal where it means something ("3.5 songs/s"), none for large rates ("2100 samples/s").
std::string format_rate(double per_second) {
    char buf[32];
    std::snprintf(buf, sizeof buf, per_second < 100 ? "%.1f" : "%.0f", per_second);
    return buf;
}

bool is_terminal(std::FILE* out, ProgressTerminal t) {
    if (!out || t == ProgressTerminal::No) return false;
    return t == ProgressTerminal::Yes || isatty(fileno(out));
}

// Columns of the terminal, 0 when unknown: a live line longer than the screen would wrap, and '\r'
// would then redraw only its last row.
int terminal_width(std::FILE* out) {
    winsize ws{};
    return ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
}

}  // namespace

Progress::Progress(std::FILE* out, ProgressLines lines, ProgressOptions options)
    : out_(out), lines_(lines), options_(std::move(options)), terminal_(is_terminal(out, options_.terminal)),
      width_(options_.width >= 0 ? options_.width : terminal_ ? terminal_width(out) : 0) {
    if (!options_.clock) {
        options_.clock = [] {
            return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
        };
    }
    start_ = now();
}

Progress::~Progress() {
    if (out_ && live_) {
        std::fputc('\n', out_);
        std::fflush(out_);
    }
}

double Progress::now() const { return options_.clock(); }

double Progress::elapsed_seconds() const { return now() - start_; }

void Progress::start(std::string label, std::size_t total, std::string unit, std::string rate_unit) {
    label_ = std::move(label);
    total_ = total;
    unit_ = std::move(unit);
    rate_unit_ = std::move(rate_unit);
    active_ = true;
    done_ = rated_ = last_tenth_ = 0;
    extra_.clear();
    start_ = now();
    if (out_ && terminal_) draw();
}

void Progress::update(std::size_t done, std::string_view extra) { update(done, done, extra); }

void Progress::update(std::size_t done, std::size_t rated, std::string_view extra) {
    done_ = done;
    rated_ = rated;
    extra_.assign(extra);
    if (!out_) return;
    const bool complete = total_ > 0 && done >= total_;
    if (terminal_) {
        if (complete || now() - last_draw_ >= options_.redraw_seconds) draw();
    } else if (lines_ == ProgressLines::PerTenth && total_ > 0 && !complete) {
        const std::size_t tenth = done * 10 / total_;
        if (tenth > last_tenth_) {
            last_tenth_ = tenth;
            write_line(label_ + ": " + state(false));
        }
    }
}

void Progress::note(std::string_view line) {
    if (!out_) return;
    const bool redraw = live_;
    write_line(line);
    if (redraw) draw();
}

void Progress::warn(std::string_view line) { note("warning: " + std::string(line)); }

void Progress::finish(std::string_view summary) {
    if (out_) write_line(summary.empty() ? label_ + ": " + state(true) : std::string(summary));
    active_ = false;
}

std::string Progress::state(bool final) const {
    const double secs = elapsed_seconds();
    const double rate = secs > 0 ? static_cast<double>(rated_) / secs : 0.0;
    // Appended piece by piece: GCC 12 warns (-Wrestrict, falsely) on "literal" + std::string temporaries.
    std::string s = std::to_string(done_);
    if (total_ > 0) s.append("/").append(std::to_string(total_));
    s.append(" ").append(unit_);
    if (total_ > 0) s.append(" (").append(std::to_string(done_ * 100 / total_)).append("%)");  // 100% only when done
    s.append(", ").append(format_rate(rate)).append(" ").append(rate_unit_.empty() ? unit_ : rate_unit_).append("/s");
    if (final) {
        s.append(", elapsed ").append(format_duration(secs));
    } else if (total_ > 0) {
        const double left = static_cast<double>(total_) - static_cast<double>(done_);
        s.append(", ETA ").append(done_ > 0 ? format_duration(std::max(0.0, left) * secs / static_cast<double>(done_)) : "?");
    }
    if (!extra_.empty()) s.append(", ").append(extra_);
    return s;
}

void Progress::draw() {
    if (!active_) return;
    std::string line = label_;
    if (total_ > 0) {
        const auto filled = static_cast<int>(std::min<std::size_t>(done_, total_) * kBarWidth / total_);
        line += " [";
        line.append(filled, '#').append(kBarWidth - filled, '.') += ']';
    }
    line.append(" ").append(state(false));
    if (width_ > 1 && line.size() >= static_cast<std::size_t>(width_)) line.resize(width_ - 1);
    std::fputs(kWipe, out_);
    std::fputs(line.c_str(), out_);
    std::fflush(out_);
    live_ = true;
    last_draw_ = now();
}

// A whole line; on a terminal it replaces the live line, which finish() leaves gone and note() redraws.
void Progress::write_line(std::string_view line) {
    if (live_) std::fputs(kWipe, out_);
    live_ = false;
    std::fwrite(line.data(), 1, line.size(), out_);
    std::fputc('\n', out_);
    std::fflush(out_);
}

}  // namespace quintet
