#pragma once
// Where this process stands in a data-parallel job, as torchrun (and Slurm or Kubernetes scripts written for
// it) says it in the environment: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE.
// No torch here.
#include <functional>
#include <optional>
#include <string>

namespace quintet {

struct DistributedEnv {
    std::string master_addr;
    int master_port = 0;
    int rank = 0;
    int world = 1;
    int local_rank = 0;
    int local_world = 1;  // processes on this machine (threads are divided among them)
};

// Reads the variables through `get` (null: unset). UsageError naming the variable that is missing or bad.
DistributedEnv parse_distributed_env(const std::function<const char*(const char*)>& get);
DistributedEnv distributed_env_from_process();  // from getenv

}  // namespace quintet
