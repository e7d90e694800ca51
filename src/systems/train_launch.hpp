#pragma once
// Training as the request asks: in this process, as one rank of a --distributed job, or by starting
// --nproc local ranks (docs/distributed.md). Shared by the CLI and the core CLI.
#include <optional>

#include "systems/system.hpp"

namespace quintet {

// The result when this process reports it (a plain run, or rank 0 of a job); nullopt for the other ranks
// and for the process that started --nproc ranks (its rank 0 reported). UsageError for a system that does
// not train distributed, a build without c10d, or contradictory options.
std::optional<TrainResult> train_as_requested(System& system, const TrainRequest& request, const Settings& settings);

}  // namespace quintet
