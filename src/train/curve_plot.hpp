#pragma once
// curve.png beside curve.csv: train and valid loss per epoch of the VAE stage (or of the latent-net stage
// when the VAE stage has fewer than two epochs). Needs QUINTET_HAVE_IMAGES.
#include <filesystem>

#include "train/run_files.hpp"

namespace quintet {

// Writes the plot and returns true; returns false (writing nothing) when built without PNG support.
bool plot_curve(const CurveFile& curve, const std::filesystem::path& png);

}  // namespace quintet
