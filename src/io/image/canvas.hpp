#pragma once
// A tiny raster canvas over Image: rectangles, lines, text in the built-in bitmap font. Everything clips
// to the image, so callers can draw without bounds checks.
#include <string_view>

#include "io/image/png_io.hpp"

namespace quintet {

// Linear mix: t = 0 gives a, t = 1 gives b.
Rgb blend(Rgb a, Rgb b, double t);

class Canvas {
public:
    Canvas(int width, int height, Rgb background = {255, 255, 255}) : image_(width, height, background) {}

    int width() const { return image_.width; }
    int height() const { return image_.height; }
    const Image& image() const { return image_; }
    Image& image() { return image_; }

    void fill_rect(int x, int y, int w, int h, Rgb c);
    void rect_outline(int x, int y, int w, int h, Rgb c);
    void hline(int x0, int x1, int y, Rgb c);  // inclusive ends, any order
    void vline(int x, int y0, int y1, Rgb c);
    // Bresenham line with a square pen of `thickness` px.
    void line(int x0, int y0, int x1, int y1, Rgb c, int thickness = 1);
    // Text with its top-left cell corner at (x, y); returns the width drawn. scale >= 1 multiplies pixels.
    int text(int x, int y, std::string_view s, Rgb c, int scale = 1);
    // Text rotated 90 degrees counter-clockwise (reads bottom to top), cell's top-left at (x, y).
    void text_vertical(int x, int y, std::string_view s, Rgb c, int scale = 1);

private:
    Image image_;
};

}  // namespace quintet
