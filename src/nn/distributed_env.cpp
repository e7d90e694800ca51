#include "nn/distributed_env.hpp"

#include <cstdlib>

#include "systems/options.hpp"
#include "util/error.hpp"

namespace quintet {

namespace {

int read_int(const std::function<const char*(const char*)>& get, const char* name, std::optional<int> fallback,
             long long low, long long high) {
    const char* text = get(name);
    if (!text || !*text) {
        if (fallback) return *fallback;
        throw UsageError(std::string("--distributed: ") + name +
                         " is not set (start with torchrun, or use --nproc N on one machine)");
    }
    const long long v = parse_integer(name, text);
    if (v < low || v > high)
        throw UsageError(std::string("--distributed: ") + name + "=" + text + " is outside " + std::to_string(low) +
                         ".." + std::to_string(high));
    return int(v);
}

}  // namespace

DistributedEnv parse_distributed_env(const std::function<const char*(const char*)>& get) {
    DistributedEnv e;
    const char* addr = get("MASTER_ADDR");
    if (!addr || !*addr) throw UsageError("--distributed: MASTER_ADDR is not set (start with torchrun, or use --nproc N on one machine)");
    e.master_addr = addr;
    e.master_port = read_int(get, "MASTER_PORT", std::nullopt, 1, 65535);
    e.world = read_int(get, "WORLD_SIZE", std::nullopt, 1, 1 << 20);
    e.rank = read_int(get, "RANK", std::nullopt, 0, e.world - 1);
    e.local_world = read_int(get, "LOCAL_WORLD_SIZE", 1, 1, e.world);
    e.local_rank = read_int(get, "LOCAL_RANK", 0, 0, e.local_world - 1);
    return e;
}

DistributedEnv distributed_env_from_process() {
    return parse_distributed_env([](const char* name) { return std::getenv(name); });
}

}  // namespace quintet
