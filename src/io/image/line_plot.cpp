#include "io/image/line_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "io/image/bitmap_font.hpp"
#include "io/image/canvas.hpp"
#include "util/error.hpp"

namespace quintet {
namespace {

constexpr Rgb kInk{40, 40, 40};
constexpr Rgb kGrid{225, 225, 225};
constexpr Rgb kAxis{90, 90, 90};

// Tick spacing of 1, 2 or 5 x 10^k giving about `target` intervals over span.
double nice_step(double span, int target) {
    const double raw = span / target;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

struct Range { double lo, hi, step; };

Range axis_range(double lo, double hi, int target) {
    if (!(lo <= hi)) { lo = 0; hi = 1; }  // no finite data
    if (!std::isfinite(hi - lo) || std::abs(lo) > 1e300 || std::abs(hi) > 1e300)
        throw UsageError("plot: values too large to plot (beyond 1e300)");
    if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {  // a flat series: open a window around it
        const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
        lo -= pad;
        hi += pad;
    }
    const double step = nice_step(hi - lo, target);
    return {std::floor(lo / step + 1e-9) * step, std::ceil(hi / step - 1e-9) * step, step};
}

// Tick values lo, lo + step, ..., hi, computed by index (adding step to a huge value could stall).
std::vector<double> ticks(double lo, double hi, double step) {
    const long n = std::lround((hi - lo) / step);
    std::vector<double> v;
    for (long k = 0; k <= std::min(n, 1000L); ++k) v.push_back(lo + k * step);
    return v;
}

// Enough decimals to tell ticks `step` apart; %g for very large or small magnitudes.
std::string tick_label(double v, double step) {
    char buf[32];
    if (std::abs(v) < step * 1e-6) v = 0;  // print 0, not -1.3e-17
    const double mag = std::max(std::abs(v), step);
    if (mag >= 1e6 || mag < 1e-4) {
        std::snprintf(buf, sizeof buf, "%.3g", v);
    } else {
        const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
        std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    }
    return buf;
}

void validate(const std::vector<Series>& series, const PlotOptions& o) {
    if (o.width < 240 || o.height < 180)
        throw UsageError("plot size must be at least 240x180, got " + std::to_string(o.width) + "x" +
                         std::to_string(o.height));
    for (const auto& s : series)
        if (s.xs.size() != s.ys.size())
            throw UsageError("plot series '" + s.name + "' has " + std::to_string(s.xs.size()) + " x values but " +
                             std::to_string(s.ys.size()) + " y values");
}

}  // namespace

Rgb series_colour(std::size_t index) {
    static constexpr Rgb palette[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},
                                      {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127}};
    return palette[index % std::size(palette)];
}

int PlotFrame::x_pixel(double x) const {
    return left + static_cast<int>(std::lround((x - x_min) / (x_max - x_min) * (right - left)));
}
int PlotFrame::y_pixel(double y) const {
    return bottom - static_cast<int>(std::lround((y - y_min) / (y_max - y_min) * (bottom - top)));
}

PlotFrame plot_frame(const std::vector<Series>& series, const PlotOptions& o) {
    validate(series, o);
    double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
    for (const auto& s : series)
        for (std::size_t i = 0; i < s.xs.size(); ++i) {
            if (!std::isfinite(s.xs[i]) || !std::isfinite(s.ys[i])) continue;
            x_lo = std::min(x_lo, s.xs[i]);
            x_hi = std::max(x_hi, s.xs[i]);
            y_lo = std::min(y_lo, s.ys[i]);
            y_hi = std::max(y_hi, s.ys[i]);
        }
    const Range xr = axis_range(x_lo, x_hi, std::max(2, o.width / 100));
    const Range yr = axis_range(y_lo, y_hi, std::max(2, o.height / 70));

    PlotFrame f;
    f.x_min = xr.lo; f.x_max = xr.hi; f.x_step = xr.step;
    f.y_min = yr.lo; f.y_max = yr.hi; f.y_step = yr.step;
    int label_w = 0;
    for (double v : ticks(yr.lo, yr.hi, yr.step)) label_w = std::max(label_w, font::text_width(tick_label(v, yr.step)));
    f.left = 10 + (o.y_label.empty() ? 0 : font::kLineHeight + 6) + label_w + 8;
    f.right = o.width - 1 - 20;
    f.top = o.title.empty() ? 14 : 14 + 2 * font::kLineHeight + 6;
    f.bottom = o.height - 1 - (8 + font::kLineHeight + (o.x_label.empty() ? 0 : font::kLineHeight + 6) + 6);
    return f;
}

Image render_line_plot(const std::vector<Series>& series, const PlotOptions& o) {
    const PlotFrame f = plot_frame(series, o);
    Canvas c(o.width, o.height);

    // Grid and tick labels.
    for (double v : ticks(f.y_min, f.y_max, f.y_step)) {
        const int y = f.y_pixel(v);
        c.hline(f.left, f.right, y, kGrid);
        const std::string s = tick_label(v, f.y_step);
        c.text(f.left - 6 - font::text_width(s), y - font::kCapHeight / 2, s, kInk);
    }
    for (double v : ticks(f.x_min, f.x_max, f.x_step)) {
        const int x = f.x_pixel(v);
        c.vline(x, f.top, f.bottom, kGrid);
        const std::string s = tick_label(v, f.x_step);
        c.text(x - font::text_width(s) / 2, f.bottom + 6, s, kInk);
    }
    c.rect_outline(f.left, f.top, f.right - f.left + 1, f.bottom - f.top + 1, kAxis);

    if (!o.title.empty()) c.text((o.width - font::text_width(o.title, 2)) / 2, 10, o.title, kInk, 2);
    if (!o.x_label.empty())
        c.text((f.left + f.right - font::text_width(o.x_label)) / 2, o.height - 6 - font::kLineHeight, o.x_label, kInk);
    if (!o.y_label.empty())
        c.text_vertical(8, (f.top + f.bottom - font::text_width(o.y_label)) / 2, o.y_label, kInk);

    // Lines (2 px) and, for short series, square markers so single epochs are visible.
    for (std::size_t k = 0; k < series.size(); ++k) {
        const auto& s = series[k];
        const Rgb col = series_colour(k);
        bool have_prev = false;
        int px = 0, py = 0;
        for (std::size_t i = 0; i < s.xs.size(); ++i) {
            if (!std::isfinite(s.xs[i]) || !std::isfinite(s.ys[i])) { have_prev = false; continue; }
            const int x = f.x_pixel(s.xs[i]), y = f.y_pixel(s.ys[i]);
            if (have_prev) c.line(px, py, x, y, col, 2);
            if (s.xs.size() <= 60) c.fill_rect(x - 2, y - 2, 5, 5, col);
            px = x; py = y; have_prev = true;
        }
    }

    // Legend, top right inside the plot area.
    if (!series.empty()) {
        int name_w = 0;
        for (const auto& s : series) name_w = std::max(name_w, font::text_width(s.name));
        const int row_h = font::kLineHeight + 4;
        const int box_w = 8 + 16 + 6 + name_w + 8;
        const int box_h = 6 + row_h * static_cast<int>(series.size()) + 2;
        const int bx = f.right - 8 - box_w, by = f.top + 8;
        c.fill_rect(bx, by, box_w, box_h, {255, 255, 255});
        c.rect_outline(bx, by, box_w, box_h, kAxis);
        for (std::size_t k = 0; k < series.size(); ++k) {
            const int y = by + 6 + static_cast<int>(k) * row_h;
            c.fill_rect(bx + 8, y + 2, 16, 3, series_colour(k));
            c.text(bx + 8 + 16 + 6, y, series[k].name, kInk);
        }
    }
    return c.image();
}

void write_line_plot_png(const std::vector<Series>& series, const std::filesystem::path& png, const PlotOptions& o) {
    write_png(render_line_plot(series, o), png);
}

}  // namespace quintet
