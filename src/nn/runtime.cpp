#include "nn/runtime.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "util/error.hpp"

namespace quintet {

torch::Device parse_device(const std::string& name) {
    if (name == "cpu") return torch::Device(torch::kCPU);
    if (name.rfind("cuda", 0) == 0) {
        if (!torch::cuda::is_available())
            throw UsageError("--device " + name + ": CUDA is not available in this build or on this machine");
        try {
            return torch::Device(name);
        } catch (const std::exception&) {
            throw UsageError("--device " + name + ": not a valid CUDA device name (use cuda or cuda:N)");
        }
    }
    throw UsageError("--device " + name + ": expected cpu, cuda or cuda:N");
}

namespace {
// $QUINTET_THREADS when it is a positive integer.
std::optional<int> thread_override(const char* text) {
    if (!text) return std::nullopt;
    char* end = nullptr;
    const long n = std::strtol(text, &end, 10);
    if (end != text && *end == '\0' && n > 0 && n <= 4096) return int(n);
    return std::nullopt;
}
}  // namespace

int choose_torch_threads(const char* override_text, unsigned hardware_threads) {
    return thread_override(override_text).value_or(int(std::max(1u, hardware_threads)));
}

void configure_torch_threads() {
    torch::set_num_threads(choose_torch_threads(std::getenv("QUINTET_THREADS"), std::thread::hardware_concurrency()));
}

std::optional<CpuTimes> parse_cpu_times(const std::string& proc_stat, const std::string& self_stat) {
    std::istringstream all(proc_stat);
    std::string label;
    double v[8] = {};  // user nice system idle iowait irq softirq steal
    if (!(all >> label) || label != "cpu") return std::nullopt;
    for (double& x : v)
        if (!(all >> x)) return std::nullopt;
    CpuTimes t;
    t.total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
    t.busy = t.total - v[3] - v[4];
    // /proc/self/stat: "pid (comm) state ..." where comm may hold spaces; utime and stime are fields 14, 15.
    const auto close = self_stat.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream self(self_stat.substr(close + 1));
    std::string field;
    for (int i = 3; i <= 13; ++i)
        if (!(self >> field)) return std::nullopt;
    double utime = 0, stime = 0;
    if (!(self >> utime >> stime)) return std::nullopt;
    t.own = utime + stime;
    return t;
}

std::optional<CpuTimes> read_cpu_times() {
    auto slurp = [](const char* path) {
        std::ifstream in(path);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    };
    return parse_cpu_times(slurp("/proc/stat"), slurp("/proc/self/stat"));
}

int threads_for_free_cores(const CpuTimes& before, const CpuTimes& after, unsigned hardware_threads) {
    const int hw = int(std::max(1u, hardware_threads));
    const double per_cpu = (after.total - before.total) / hw;  // ticks of wall time
    if (per_cpu <= 0) return hw;
    const double others = std::max(0.0, (after.busy - before.busy) - (after.own - before.own)) / per_cpu;
    return std::clamp(hw - int(std::lround(others)), 1, hw);
}

ThreadTuner::ThreadTuner() : fixed_(thread_override(std::getenv("QUINTET_THREADS")).has_value()) {
    if (!fixed_) last_ = read_cpu_times();
}

std::string ThreadTuner::retune() {
    if (fixed_) return "";
    auto now = read_cpu_times();
    if (!now || !last_) return "";
    const int threads = threads_for_free_cores(*last_, *now, std::thread::hardware_concurrency());
    last_ = now;
    const int before = torch::get_num_threads();
    if (threads == before) return "";
    torch::set_num_threads(threads);
    return "threads: " + std::to_string(before) + " -> " + std::to_string(threads) + " (cores left free by other processes)";
}

}  // namespace quintet
