#pragma once
// Device selection and thread set-up shared by every torch entry point.
#include <torch/torch.h>

#include <optional>
#include <string>

namespace quintet {

// "cpu", "cuda" or "cuda:N"; throws UsageError when CUDA is asked for but not available.
torch::Device parse_device(const std::string& name);

// Intra-op threads: `override_text` ($QUINTET_THREADS) when it is a positive integer, else every hardware
// thread. LibTorch's own default here is 1.
int choose_torch_threads(const char* override_text, unsigned hardware_threads);
void configure_torch_threads();  // from $QUINTET_THREADS and std::thread::hardware_concurrency()

// CPU time counters, in clock ticks: the whole machine's (/proc/stat) and this process's (/proc/self/stat).
struct CpuTimes {
    double busy = 0;   // all CPUs, not idle
    double total = 0;  // all CPUs, idle included
    double own = 0;    // this process, all its threads
};
// Parses the first line of /proc/stat and the utime/stime fields of /proc/self/stat; nullopt when unreadable.
std::optional<CpuTimes> parse_cpu_times(const std::string& proc_stat, const std::string& self_stat);
std::optional<CpuTimes> read_cpu_times();

// The threads for the cores that other processes left free between two readings: hardware threads minus
// the cores the others kept busy (rounded), at least 1.
int threads_for_free_cores(const CpuTimes& before, const CpuTimes& after, unsigned hardware_threads);

// Re-checks the thread count between epochs: a training that starts right after a build (1-minute load ~2
// on 2 cores) still uses every core once the machine is idle, and steps down while another job runs
// (docs/BENCHMARKS.md "Threads"). Does nothing when $QUINTET_THREADS is set.
class ThreadTuner {
public:
    ThreadTuner();
    // Sets the count from the interval since the last call; returns a note when it changed ("" otherwise).
    std::string retune();

private:
    bool fixed_ = false;
    std::optional<CpuTimes> last_;
};

}  // namespace quintet
