#include "runs/curve_plot.hpp"

#ifdef QUINTET_HAVE_IMAGES
#include "io/image/line_plot.hpp"
#endif

namespace quintet {

bool plot_curve(const CurveFile& curve, const std::filesystem::path& png, const CurvePlotLabels& labels) {
#ifdef QUINTET_HAVE_IMAGES
    std::vector<Series> series;
    for (std::size_t stage = 1; stage <= labels.stage_loss.size(); ++stage) {
        Series tr{labels.stage_loss[stage - 1] + " train", {}, {}};
        Series va{labels.stage_loss[stage - 1] + " valid", {}, {}};
        for (const auto& r : curve.rows()) {
            if (r.stage != int(stage)) continue;
            tr.xs.push_back(r.epoch);
            tr.ys.push_back(r.train_loss);
            va.xs.push_back(r.epoch);
            va.ys.push_back(r.valid_loss);
        }
        if (tr.xs.size() >= 2) {
            series.push_back(tr);
            series.push_back(va);
            break;
        }
    }
    if (series.empty()) return false;  // a plot needs two epochs
    PlotOptions options;
    options.title = labels.title;
    options.x_label = "epoch";
    options.y_label = labels.y_label;
    write_line_plot_png(series, png, options);
    return true;
#else
    (void)curve;
    (void)png;
    (void)labels;
    return false;
#endif
}

}  // namespace quintet
