#pragma once
// Device selection and thread set-up shared by every torch entry point.
#include <torch/torch.h>

#include <string>

namespace quintet {

// "cpu", "cuda" or "cuda:N"; throws UsageError when CUDA is asked for but not available.
torch::Device parse_device(const std::string& name);

// Use every hardware thread for intra-op parallelism (LibTorch's default here is 1).
void configure_torch_threads();

}  // namespace quintet
