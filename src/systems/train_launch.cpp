#include "systems/train_launch.hpp"

#include <algorithm>

#include "nn/data_parallel.hpp"
#include "util/error.hpp"
#include "util/local_ranks.hpp"

namespace quintet {

std::optional<TrainResult> train_as_requested(System& system, const TrainRequest& request, const Settings& settings) {
    if (!request.distributed && request.nproc == 0) return system.train(request, settings);

    if (request.nproc < 0) throw UsageError("--nproc must be at least 1");
    if (request.distributed_timeout < 1) throw UsageError("--dist-timeout must be at least 1 second");
    if (request.distributed && request.nproc > 0)
        throw UsageError("--nproc starts its own ranks: give either --nproc N or --distributed (under torchrun), not both");
    if (!system.trains_distributed())
        throw UsageError("train " + system.kind() + ": data-parallel training (--distributed, --nproc) is not available for " +
                         "this system yet (docs/distributed.md lists the systems that have it)");
    const std::chrono::milliseconds timeout(std::int64_t(request.distributed_timeout) * 1000);
    if (request.nproc > 0) {
        if (!DataParallel::available()) DataParallel::current().join({}, timeout);  // says what the build lacks
        run_local_ranks(request.nproc, rank_command_line(own_command_line()), timeout);
        return std::nullopt;
    }

    auto& group = DataParallel::current();
    const DistributedEnv env = distributed_env_from_process();
    group.join(env, timeout, request.device.rfind("cuda", 0) == 0);
    TrainRequest mine = request;
    if (!group.writes()) mine.quiet = true;  // one progress display: rank 0's
    // "cuda" on a machine with several ranks: each local rank its own GPU (round robin when there are fewer).
    if (mine.device == "cuda" && env.local_world > 1 && torch::cuda::is_available())
        mine.device = "cuda:" + std::to_string(env.local_rank % std::max<std::size_t>(1, torch::cuda::device_count()));
    TrainResult result = system.train(mine, settings);
    const bool reports = group.writes();
    group.leave();
    if (!reports) return std::nullopt;
    return result;
}

}  // namespace quintet
