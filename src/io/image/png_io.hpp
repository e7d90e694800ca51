#pragma once
// PNG files on libpng: an 8-bit RGB raster in memory, written atomically, read back (tests, tools).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace quintet {

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
    friend bool operator==(const Rgb&, const Rgb&) = default;
};

// Row-major 8-bit RGB pixels, (0,0) at the top left.
struct Image {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgb;  // width * height * 3

    Image() = default;
    Image(int w, int h, Rgb fill = {255, 255, 255});
    bool contains(int x, int y) const { return x >= 0 && y >= 0 && x < width && y < height; }
    Rgb pixel(int x, int y) const;             // throws UsageError outside the image
    void set_pixel(int x, int y, Rgb c);       // ignores points outside the image (clipping)
};

std::string encode_png(const Image& image);                 // UsageError on an empty/inconsistent image
void write_png(const Image& image, const std::filesystem::path& path);  // atomic
// Any PNG libpng can read, converted to 8-bit RGB (alpha composited on white). FormatError names the file.
Image decode_png(std::string_view bytes, const std::string& name);
Image read_png(const std::filesystem::path& path);

}  // namespace quintet
