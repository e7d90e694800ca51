#include "train/curve_plot.hpp"

#ifdef QUINTET_HAVE_IMAGES
#include "io/image/line_plot.hpp"
#endif

namespace quintet {

bool plot_curve(const CurveFile& curve, const std::filesystem::path& png) {
#ifdef QUINTET_HAVE_IMAGES
    // Stage 1 losses (-ELBO, thousands) and stage 2 losses (latent MSE, ~1) differ by orders of magnitude:
    // plot the VAE stage, and the nets' stage only when it is all there is.
    std::vector<Series> series;
    for (int stage : {1, 2}) {
        Series tr{stage == 1 ? "VAE train (-ELBO)" : "latent nets train (MSE)", {}, {}};
        Series va{stage == 1 ? "VAE valid (-ELBO)" : "latent nets valid (MSE)", {}, {}};
        for (const auto& r : curve.rows()) {
            if (r.stage != stage) continue;
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
    options.title = "VAE-NN training";
    options.x_label = "epoch";
    options.y_label = "loss per window";
    write_line_plot_png(series, png, options);
    return true;
#else
    (void)curve;
    (void)png;
    return false;
#endif
}

}  // namespace quintet
