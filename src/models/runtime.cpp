#include "models/runtime.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
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

int choose_torch_threads() {
    if (const char* env = std::getenv("QUINTET_THREADS")) {
        int n = std::atoi(env);
        if (n > 0) return n;
    }
    int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // OpenMP workers spin while they wait: on cores that other processes keep busy, two threads ran
    // the conv VAE 20x slower than one here (docs/vae.md). Use only the cores the 1-minute load leaves
    // free (OMP_WAIT_POLICY=passive in the environment removes most of that penalty too).
    double load = 0;
    std::ifstream in("/proc/loadavg");
    if (in >> load) return std::clamp(hardware - static_cast<int>(std::lround(load)), 1, hardware);
    return hardware;
}

void configure_torch_threads() { torch::set_num_threads(choose_torch_threads()); }

}  // namespace quintet
