#include "io/image/canvas.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "io/image/bitmap_font.hpp"

namespace quintet {

Rgb blend(Rgb a, Rgb b, double t) {
    t = std::clamp(t, 0.0, 1.0);
    auto mix = [t](std::uint8_t u, std::uint8_t v) {
        return static_cast<std::uint8_t>(std::lround(u + (static_cast<double>(v) - u) * t));
    };
    return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)};
}

void Canvas::fill_rect(int x, int y, int w, int h, Rgb c) {
    const int x0 = std::max(x, 0), y0 = std::max(y, 0);
    const int x1 = std::min(x + w, width()), y1 = std::min(y + h, height());
    for (int yy = y0; yy < y1; ++yy)
        for (int xx = x0; xx < x1; ++xx) image_.set_pixel(xx, yy, c);
}

void Canvas::rect_outline(int x, int y, int w, int h, Rgb c) {
    if (w <= 0 || h <= 0) return;
    hline(x, x + w - 1, y, c);
    hline(x, x + w - 1, y + h - 1, c);
    vline(x, y, y + h - 1, c);
    vline(x + w - 1, y, y + h - 1, c);
}

void Canvas::hline(int x0, int x1, int y, Rgb c) {
    if (x0 > x1) std::swap(x0, x1);
    fill_rect(x0, y, x1 - x0 + 1, 1, c);
}

void Canvas::vline(int x, int y0, int y1, Rgb c) {
    if (y0 > y1) std::swap(y0, y1);
    fill_rect(x, y0, 1, y1 - y0 + 1, c);
}

void Canvas::line(int x0, int y0, int x1, int y1, Rgb c, int thickness) {
    thickness = std::max(thickness, 1);
    const int off = (thickness - 1) / 2;
    const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
    const int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    // Lines from plot data can be far outside the canvas; stop after the longest possible on-screen run.
    for (long guard = 0; guard <= static_cast<long>(dx) - dy + 1; ++guard) {
        fill_rect(x0 - off, y0 - off, thickness, thickness, c);
        if (x0 == x1 && y0 == y1) break;
        const int e2 = 2 * err;
        if (e2 >= dy) { err += dy; x0 += sx; }
        if (e2 <= dx) { err += dx; y0 += sy; }
    }
}

int Canvas::text(int x, int y, std::string_view s, Rgb c, int scale) {
    scale = std::max(scale, 1);
    for (std::size_t i = 0; i < s.size(); ++i) {
        const int gx = x + static_cast<int>(i) * font::kAdvance * scale;
        for (int row = 0; row < font::kGlyphRows; ++row)
            for (int col = 0; col < font::kGlyphWidth; ++col)
                if (font::glyph_ink(s[i], col, row)) fill_rect(gx + col * scale, y + row * scale, scale, scale, c);
    }
    return font::text_width(s, scale);
}

void Canvas::text_vertical(int x, int y, std::string_view s, Rgb c, int scale) {
    scale = std::max(scale, 1);
    // Rotated CCW: glyph column -> up, glyph row -> right. The string runs upwards from y + width.
    const int len = font::text_width(s, scale);
    for (std::size_t i = 0; i < s.size(); ++i) {
        const int base = y + len - static_cast<int>(i) * font::kAdvance * scale;
        for (int row = 0; row < font::kGlyphRows; ++row)
            for (int col = 0; col < font::kGlyphWidth; ++col)
                if (font::glyph_ink(s[i], col, row))
                    fill_rect(x + row * scale, base - (col + 1) * scale, scale, scale, c);
    }
}

}  // namespace quintet
