#pragma once
// A CNN run's checkpoints (nn/checkpoint: header = kind, encoders, output; the band as one module; last.pt
// adds the optimiser and position), loading a run, and the per-net prediction sweeps that calibrate the
// output thresholds and measure reconstruction F1.
#include <torch/torch.h>

#include <array>
#include <filesystem>

#include "nn/checkpoint.hpp"
#include "nn/threshold_sweep.hpp"
#include "represent/windows.hpp"
#include "systems/cnn/cnn_nets.hpp"

namespace quintet {

CheckpointLayout cnn_layout(CnnBand& band, torch::optim::Optimizer* optimizer = nullptr);
// model.json + model.pt of a run onto `device`, in eval mode. UsageError/FormatError on a missing run or
// one of another system.
CnnBand load_cnn_run(const std::filesystem::path& run_dir, const torch::Device& device = torch::kCPU);

// Index pairs (t, t+1) of consecutive windows of one song, as two index tensors.
struct WindowPairs {
    torch::Tensor from, to;  // [P] int64
    std::int64_t size() const { return from.defined() ? from.size(0) : 0; }
};
WindowPairs window_pairs(const WindowSet& set);

// Every consecutive pair of `set`: the nets' teacher-forced predictions of block t+1 against its notes, one
// sweep per net (piano, guitar, bass, strings, drums). With `copy_last`, block t itself is the
// "prediction" (values in [0, 1]): the trivial baseline.
std::array<ThresholdSweep, 5> sweep_pairs(CnnBand& band, const WindowSet& set, const torch::Device& device, int batch,
                                          bool copy_last = false);

}  // namespace quintet
