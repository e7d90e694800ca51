#pragma once
// curve.png beside curve.csv: train and valid loss per epoch, one plot per stage stacked in one picture
// is more than needed, so two series per stage on a shared epoch axis. Needs QUINTET_HAVE_IMAGES.
#include <filesystem>

#include "train/run_files.hpp"

namespace quintet {

// Writes the plot and returns true; returns false (writing nothing) when built without PNG support.
bool plot_curve(const CurveFile& curve, const std::filesystem::path& png);

}  // namespace quintet
