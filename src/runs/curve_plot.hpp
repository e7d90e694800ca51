#pragma once
// curve.png beside curve.csv: train and valid loss per epoch of the first stage that has at least two
// epochs (stages' losses differ by orders of magnitude, so one stage is drawn). Needs QUINTET_HAVE_IMAGES.
#include <filesystem>
#include <string>
#include <vector>

#include "runs/curve.hpp"

namespace quintet {

struct CurvePlotLabels {
    std::string title;                    // "<system> training"
    std::vector<std::string> stage_loss;  // per stage: the name of its loss, "(-ELBO)", "(MSE)"
    std::string y_label = "loss";
};

// Writes the plot and returns true; returns false (writing nothing) when no stage has two epochs or the
// build has no PNG support.
bool plot_curve(const CurveFile& curve, const std::filesystem::path& png, const CurvePlotLabels& labels);

}  // namespace quintet
