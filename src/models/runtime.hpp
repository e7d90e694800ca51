#pragma once
// Device selection and thread set-up shared by every torch entry point.
#include <torch/torch.h>

#include <string>

namespace quintet {

// "cpu", "cuda" or "cuda:N"; throws UsageError when CUDA is asked for but not available.
torch::Device parse_device(const std::string& name);

// Intra-op threads: $QUINTET_THREADS if set, else the hardware threads the current load leaves free
// (at least 1). LibTorch's own default here is 1.
int choose_torch_threads();
void configure_torch_threads();

}  // namespace quintet
