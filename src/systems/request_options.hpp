#pragma once
// The options every system shares, spelled the same everywhere (CLI, core CLI, studio).
#include <string>

#include "systems/system.hpp"

namespace quintet {

// --corpus, --out (required), --device, --seed, --resume, --quiet.
OptionTable train_request_options(TrainRequest& request);

// --bars, --seed, --tempo, --prime, --device.
OptionTable sample_request_options(SampleRequest& request, std::string& device);

// UsageError for a request no system can serve (bars < 1, tempo outside 1..1000 bpm).
void check_sample_request(const SampleRequest& request);

}  // namespace quintet
