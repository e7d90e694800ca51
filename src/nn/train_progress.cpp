#include "nn/train_progress.hpp"

#include <unistd.h>

namespace quintet {

TrainProgress::TrainProgress(bool enabled, std::FILE* out)
    : enabled_(enabled), tty_(enabled && isatty(fileno(out))), out_(out) {}

void TrainProgress::start_epoch(const std::string& label, int epoch, int epochs, long total_steps) {
    label_ = label;
    epoch_ = epoch;
    epochs_ = epochs;
    total_ = total_steps;
    start_ = last_print_ = std::chrono::steady_clock::now();
}

void TrainProgress::step(long done, long samples, double loss) {
    if (!tty_) return;
    auto now = std::chrono::steady_clock::now();
    if (done < total_ && now - last_print_ < std::chrono::milliseconds(200)) return;
    last_print_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0 ? samples / secs : 0;
    double eta = done > 0 ? secs * double(total_ - done) / double(done) : 0;
    std::fprintf(out_, "\r%s epoch %d/%d  step %ld/%ld  %.0f samples/s  ETA %.0fs  loss %.4g   ", label_.c_str(),
                 epoch_, epochs_, done, total_, rate, eta, loss);
    std::fflush(out_);
}

void TrainProgress::end_epoch(double train_loss, double valid_loss, double samples_per_s, bool improved) {
    if (!enabled_) return;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::fprintf(out_, "%s%s epoch %d/%d  train %.5g  valid %.5g  %.0f samples/s  %.1fs%s\n", tty_ ? "\r\033[K" : "",
                 label_.c_str(), epoch_, epochs_, train_loss, valid_loss, samples_per_s, secs,
                 improved ? "  (best)" : "");
    std::fflush(out_);
}

void TrainProgress::note(const std::string& line) {
    if (!enabled_) return;
    std::fprintf(out_, "%s\n", line.c_str());
    std::fflush(out_);
}

}  // namespace quintet
