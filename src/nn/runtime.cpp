#include "nn/runtime.hpp"

#include <algorithm>
#include <cstdlib>
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

int choose_torch_threads(const char* override_text, unsigned hardware_threads) {
    if (override_text) {
        char* end = nullptr;
        long n = std::strtol(override_text, &end, 10);
        if (end != override_text && *end == '\0' && n > 0 && n <= 4096) return int(n);
    }
    return int(std::max(1u, hardware_threads));
}

void configure_torch_threads() {
    torch::set_num_threads(choose_torch_threads(std::getenv("QUINTET_THREADS"), std::thread::hardware_concurrency()));
}

}  // namespace quintet
