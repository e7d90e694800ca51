#pragma once
// The one progress reporter of every long job (training epochs, corpus builds, evaluation, sampling).
//
// On a terminal a task is one line redrawn in place (at most every 0.1 s, always at the end):
//   corpus [########............] 412/1000 songs (41%), 35.2 songs/s, ETA 17s
// Elsewhere (a log file, a pipe) it writes a line per tenth of the work, or only the task's last line,
// so a log never gets a line per item. The last line is the summary given to finish(), or else
//   corpus: 1000/1000 songs (100%), 35.1 songs/s, elapsed 28s
// note() and warn() lines go on their own lines; on a terminal the live line is redrawn below them.
//
//   Progress progress(quiet ? nullptr : stderr, ProgressLines::PerTask);
//   progress.note("data: 5120 train windows");
//   progress.start("stage1 3/30", batches, "batches", "samples");  // rate in samples/s
//   for (...) progress.update(batch + 1, samples_so_far, "loss 0.123");
//   progress.finish("stage1 epoch 3/30: train 0.12 valid 0.13, 2100 samples/s, improved");
//
// Not thread-safe: report from one thread.
#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

namespace quintet {

// "1h02m", "3m05s", "12s"; "?" for a negative or non-finite time.
std::string format_duration(double seconds);

// What a task writes when the output is not a terminal (the last line is written either way).
enum class ProgressLines {
    PerTenth,  // a line each time another tenth of the total is done (corpus build, evaluating files)
    PerTask,   // only the last line (a training epoch: its summary)
};

enum class ProgressTerminal { Detect, Yes, No };  // Detect: isatty() of the output's descriptor

// Knobs for tests and odd outputs; the defaults suit stderr.
struct ProgressOptions {
    ProgressTerminal terminal = ProgressTerminal::Detect;
    std::function<double()> clock;  // seconds from any fixed origin; empty: std::chrono::steady_clock
    double redraw_seconds = 0.1;    // the live line is redrawn at most this often
    int width = -1;                 // live line cut to this many columns; -1: the terminal's width, 0: no cut
};

class Progress {
public:
    // out == nullptr: silent (elapsed_seconds() still works).
    explicit Progress(std::FILE* out, ProgressLines lines = ProgressLines::PerTenth, ProgressOptions options = {});
    ~Progress();  // ends an unfinished live line, so an error message starts on a line of its own
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // Starts timing a task: `label` ("corpus", "stage1 3/30"), `total` (0: unknown, then no bar, share or
    // ETA), `unit` that done/total count ("songs", "batches") and `rate_unit` when the rate counts
    // something else ("samples", see update()). On a terminal its line is drawn at once.
    void start(std::string label, std::size_t total, std::string unit = "items", std::string rate_unit = {});
    // `done` of the total are done; `extra` ("loss 0.123") ends the line. The rate is done per second.
    void update(std::size_t done, std::string_view extra = {});
    // As above with the rate counted in rate_unit: `rated` of them so far (samples seen by batch `done`).
    void update(std::size_t done, std::size_t rated, std::string_view extra = {});
    void note(std::string_view line);  // a line as is
    void warn(std::string_view line);  // "warning: " + line
    // Ends the task with `summary` as its last line, or the final state (average rate, elapsed time) if empty.
    void finish(std::string_view summary = {});

    double elapsed_seconds() const;  // since start() (or construction)
    bool terminal() const { return terminal_; }

private:
    double now() const;
    std::string state(bool final) const;  // "412/1000 songs (41%), 35.2 songs/s, ETA 17s, loss 0.1"
    void draw();                          // the live line
    void write_line(std::string_view line);

    std::FILE* out_;
    ProgressLines lines_;
    ProgressOptions options_;
    bool terminal_;
    int width_;
    std::string label_, unit_, rate_unit_;
    std::size_t total_ = 0;
    bool active_ = false, live_ = false;  // a task is running; its live line is on the screen
    double start_ = 0, last_draw_ = 0;
    std::size_t done_ = 0, rated_ = 0, last_tenth_ = 0;
    std::string extra_;
};

}  // namespace quintet
