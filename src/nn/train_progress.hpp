#pragma once
// Training progress: a live line on a TTY (step/total, samples/s, ETA, loss), one line per epoch otherwise.
#include <chrono>
#include <cstdio>
#include <string>

namespace quintet {

class TrainProgress {
public:
    explicit TrainProgress(bool enabled, std::FILE* out = stderr);
    void start_epoch(const std::string& label, int epoch, int epochs, long total_steps);
    void step(long done_steps, long samples, double loss);
    void end_epoch(double train_loss, double valid_loss, double samples_per_s, bool improved);
    void note(const std::string& line);  // a plain line (stage changes, early stop)

private:
    bool enabled_, tty_;
    std::FILE* out_;
    std::string label_;
    int epoch_ = 0, epochs_ = 0;
    long total_ = 0;
    std::chrono::steady_clock::time_point start_, last_print_;
};

}  // namespace quintet
