#pragma once
// Generation's default thresholds, calibrated so a generated song has notes at the corpus's density. A GAN's
// sigmoid outputs on sparse binary rolls rarely reach the original's fixed 0.7 (docs/RESULTS.md: 85-100 % empty
// bars), and nothing like the VAE-NN's reconstruction F1 exists for an unconditional G; so per channel the
// threshold is the probability that as many cells of G's samples reach as the valid split has notes.
#include <torch/torch.h>

#include <array>
#include <filesystem>
#include <optional>

#include "represent/windows.hpp"
#include "systems/gan/model.hpp"

namespace quintet {

using GanChannelValues = std::array<double, kGanChannels>;

// Share of sounding cells per channel (the window's tracks, in order) over every cell of the windows.
GanChannelValues channel_densities(const WindowSet& windows);

// Per channel c, the probability t of the k-th most likely cell of `probabilities` [n, 5, S, P], k = density[c]
// x its cells (rounded down): the cells with p >= t are the density's share. Cells tied with the k-th sound
// too (a saturated G, many cells at exactly 1, gets more notes rather than a silent channel). A density (or k)
// of 0 gives kGanSilentThreshold.
GanChannelValues density_thresholds(const torch::Tensor& probabilities, const GanChannelValues& density);
inline constexpr double kGanSilentThreshold = 1.01;  // above any probability: the channel stays silent

// The 64 noise vectors behind a run's diagnostics and its calibration (the same every epoch and at generation).
inline constexpr int kGanFixedSamples = 64;
torch::Tensor gan_fixed_noise(std::uint64_t run_seed, int noise_dim);

// RUN/thresholds.json: the densities and the calibrated thresholds of model.pt's G (written with it).
struct GanCalibration {
    GanChannelValues density{}, threshold{};
};
void write_gan_calibration(const std::filesystem::path& run_dir, const GanCalibration& c);
// Empty when the run has no thresholds.json (runs before calibration); FormatError when it is malformed.
std::optional<GanCalibration> read_gan_calibration(const std::filesystem::path& run_dir);

}  // namespace quintet
