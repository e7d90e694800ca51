#pragma once
// Loading a run straight into the CPU generation path (models/vae_nn_inference.hpp).
#include <filesystem>

#include "systems/vae_nn/inference.hpp"

namespace quintet {

// model.json + model.pt of a run -> VaeNnInference, reading the archive's tensors directly: building a
// VaeNnModel first would spend most of the load initialising weights that loading then overwrites.
// The tensors come from the mapped file (ArchiveTensors) or, when that reader does not know the file or
// `mapped` is false, from torch's loader. The same checks as load_run_model: UsageError/FormatError on a
// missing run, another model, another K or likelihood, or a tensor of the wrong shape.
VaeNnInference load_run_inference(const std::filesystem::path& run_dir, bool mapped = true);

}  // namespace quintet
