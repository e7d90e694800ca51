#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <unistd.h>
#include <limits>

#include "io/image/line_plot.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;
using namespace quintet;

namespace {

Series hyperbola() {
    Series s{"train", {}, {}};
    for (int e = 1; e <= 10; ++e) {
        s.xs.push_back(e);
        s.ys.push_back(10.0 / e);
    }
    return s;
}

bool colour_near(const Image& img, int x, int y, Rgb c, int r = 1) {
    for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx)
            if (img.contains(x + dx, y + dy) && img.pixel(x + dx, y + dy) == c) return true;
    return false;
}

}  // namespace

TEST(LinePlot, FrameUsesNiceTickRanges) {
    const PlotOptions o{"loss", "epoch", "loss", 800, 500};
    const PlotFrame f = plot_frame({hyperbola()}, o);
    // x 1..10 over ~8 intervals: step 1; y 1..10 over ~7 intervals: step 1 (hand-computed).
    EXPECT_DOUBLE_EQ(f.x_step, 1);
    EXPECT_DOUBLE_EQ(f.x_min, 1);
    EXPECT_DOUBLE_EQ(f.x_max, 10);
    EXPECT_DOUBLE_EQ(f.y_step, 1);
    EXPECT_DOUBLE_EQ(f.y_min, 1);
    EXPECT_DOUBLE_EQ(f.y_max, 10);
    EXPECT_EQ(f.x_pixel(1), f.left);
    EXPECT_EQ(f.x_pixel(10), f.right);
    EXPECT_EQ(f.y_pixel(1), f.bottom);
    EXPECT_EQ(f.y_pixel(10), f.top);

    Series s{"s", {0, 1}, {0.13, 0.87}};
    const PlotFrame g = plot_frame({s}, o);
    EXPECT_DOUBLE_EQ(g.y_step, 0.1);  // 0.74 / 7 = 0.106 -> 0.1
    EXPECT_NEAR(g.y_min, 0.1, 1e-12);
    EXPECT_NEAR(g.y_max, 0.9, 1e-12);
}

TEST(LinePlot, PointsAndLinesAreDrawnInTheSeriesColour) {
    Series valid{"valid", {1, 10}, {6, 6}};
    const PlotOptions o{"curves", "epoch", "loss", 800, 500};
    const PlotFrame f = plot_frame({hyperbola(), valid}, o);
    const Image img = render_line_plot({hyperbola(), valid}, o);
    EXPECT_EQ(img.width, 800);
    EXPECT_EQ(img.height, 500);
    // Marker centres.
    EXPECT_EQ(img.pixel(f.x_pixel(5), f.y_pixel(2)), series_colour(0));
    EXPECT_EQ(img.pixel(f.x_pixel(2), f.y_pixel(5)), series_colour(0));
    // The segment from (4, 2.5) to (5, 2): its midpoint is on the line.
    EXPECT_TRUE(colour_near(img, (f.x_pixel(4) + f.x_pixel(5)) / 2, (f.y_pixel(2.5) + f.y_pixel(2)) / 2, series_colour(0)));
    // The flat second series at y = 6 across the plot.
    EXPECT_TRUE(colour_near(img, f.x_pixel(7.3), f.y_pixel(6), series_colour(1)));
    // Far from any data: no series colour.
    EXPECT_FALSE(colour_near(img, f.x_pixel(9), f.y_pixel(3), series_colour(0), 3));
    // The legend's swatches sit in the top right corner of the plot.
    int found = 0;
    for (int y = f.top; y < f.top + 60; ++y)
        for (int x = f.right - 200; x < f.right; ++x) found += img.pixel(x, y) == series_colour(1);
    EXPECT_GE(found, 16 * 3);
}

TEST(LinePlot, NonFiniteValuesAndFlatOrEmptyDataDoNotBreakIt) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Series s{"gaps", {1, 2, 3, 4}, {1, nan, 3, std::numeric_limits<double>::infinity()}};
    EXPECT_NO_THROW(render_line_plot({s}, {}));
    Series flat{"flat", {1, 2, 3}, {0.5, 0.5, 0.5}};
    const PlotFrame f = plot_frame({flat}, {});
    EXPECT_LT(f.y_min, 0.5);
    EXPECT_GT(f.y_max, 0.5);
    EXPECT_NO_THROW(render_line_plot({}, {}));
    EXPECT_NO_THROW(render_line_plot({Series{"one", {3}, {7}}}, {}));
}

TEST(LinePlot, BadInputsAreUsageErrors) {
    EXPECT_THROW(render_line_plot({Series{"bad", {1, 2}, {1}}}, {}), UsageError);
    PlotOptions tiny;
    tiny.width = 10;
    EXPECT_THROW(render_line_plot({hyperbola()}, tiny), UsageError);
    EXPECT_THROW(write_line_plot_png({hyperbola()}, "/nonexistent/dir/p.png", {}), Error);
    EXPECT_THROW(render_line_plot({Series{"huge", {0, 1}, {-1e308, 1e308}}}, {}), UsageError);
    // Values far from zero with a tiny spread must neither hang nor throw.
    EXPECT_NO_THROW(render_line_plot({Series{"offset", {0, 1, 2}, {1e15, 1e15 + 1, 1e15 + 2}}}, {}));
}

TEST(LinePlot, WritesAReadablePng) {
    const fs::path p = fs::temp_directory_path() / ("quintet_plot_" + std::to_string(::getpid()) + ".png");
    write_line_plot_png({hyperbola()}, p, {"t", "x", "y", 640, 400});
    const Image back = read_png(p);
    EXPECT_EQ(back.width, 640);
    EXPECT_EQ(back.height, 400);
    fs::remove(p);
}
