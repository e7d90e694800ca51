#include "models/runtime.hpp"

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

void configure_torch_threads() {
    unsigned n = std::thread::hardware_concurrency();
    if (n > 0) torch::set_num_threads(static_cast<int>(n));
}

}  // namespace quintet
