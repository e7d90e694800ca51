#pragma once
// Line plots for training curves (loss per epoch and the like): axes with "nice" tick labels, grid,
// legend, title. Non-finite points are skipped and break the line.
#include <filesystem>
#include <string>
#include <vector>

#include "io/image/png_io.hpp"

namespace quintet {

struct Series {
    std::string name;
    std::vector<double> xs;
    std::vector<double> ys;
};

struct PlotOptions {
    std::string title;
    std::string x_label;  // e.g. "epoch"
    std::string y_label;  // e.g. "loss"
    int width = 800;      // pixels, at least 240 x 180
    int height = 500;
};

// Where data lands on the picture: the plot area and the (tick-rounded) data ranges it shows.
struct PlotFrame {
    int left = 0, top = 0, right = 0, bottom = 0;  // plot area, inclusive pixel bounds
    double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
    double x_step = 0.2, y_step = 0.2;  // tick spacing
    int x_pixel(double x) const;
    int y_pixel(double y) const;
};

Rgb series_colour(std::size_t index);  // fixed palette, cycles after 8
// UsageError when a series has xs.size() != ys.size() or the size is too small.
PlotFrame plot_frame(const std::vector<Series>& series, const PlotOptions& options);
Image render_line_plot(const std::vector<Series>& series, const PlotOptions& options);
void write_line_plot_png(const std::vector<Series>& series, const std::filesystem::path& png,
                         const PlotOptions& options);

}  // namespace quintet
