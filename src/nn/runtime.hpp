#pragma once
// Device selection and thread set-up shared by every torch entry point.
#include <torch/torch.h>

#include <string>

namespace quintet {

// "cpu", "cuda" or "cuda:N"; throws UsageError when CUDA is asked for but not available.
torch::Device parse_device(const std::string& name);

// Intra-op threads: `override_text` ($QUINTET_THREADS) when it is a positive integer, else every hardware
// thread. LibTorch's own default here is 1. Busy cores are handled by the OpenMP wait policy, not by
// fewer threads (docs/BENCHMARKS.md "Threads").
int choose_torch_threads(const char* override_text, unsigned hardware_threads);
void configure_torch_threads();  // from $QUINTET_THREADS and std::thread::hardware_concurrency()

}  // namespace quintet
