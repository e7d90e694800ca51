#include "io/image/png_io.hpp"

#include <png.h>

#include <cstring>

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {

Image::Image(int w, int h, Rgb fill) : width(w), height(h) {
    if (w <= 0 || h <= 0) throw UsageError("image size must be positive, got " + std::to_string(w) + "x" + std::to_string(h));
    rgb.resize(static_cast<std::size_t>(w) * h * 3);
    for (std::size_t i = 0; i < rgb.size(); i += 3) {
        rgb[i] = fill.r;
        rgb[i + 1] = fill.g;
        rgb[i + 2] = fill.b;
    }
}

Rgb Image::pixel(int x, int y) const {
    if (!contains(x, y))
        throw UsageError("pixel (" + std::to_string(x) + "," + std::to_string(y) + ") outside a " +
                         std::to_string(width) + "x" + std::to_string(height) + " image");
    const std::size_t i = (static_cast<std::size_t>(y) * width + x) * 3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
}

void Image::set_pixel(int x, int y, Rgb c) {
    if (!contains(x, y)) return;
    const std::size_t i = (static_cast<std::size_t>(y) * width + x) * 3;
    rgb[i] = c.r;
    rgb[i + 1] = c.g;
    rgb[i + 2] = c.b;
}

// The libpng 1.6 "simplified API" (png_image) reports errors through image.message instead of longjmp,
// which keeps C++ objects safe.
std::string encode_png(const Image& image) {
    if (image.width <= 0 || image.height <= 0 ||
        image.rgb.size() != static_cast<std::size_t>(image.width) * image.height * 3)
        throw UsageError("encode_png: image buffer does not match its size");
    png_image img;
    std::memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = static_cast<png_uint_32>(image.width);
    img.height = static_cast<png_uint_32>(image.height);
    img.format = PNG_FORMAT_RGB;
    // One pass into a buffer of the largest size the PNG can have (libpng's bound: the raw rows and the
    // format's overhead). png_image_write_get_memory_size would compress the whole image once just to learn
    // its size, then again to write it: 80 ms of a 64-block song's 0.16-0.20 s in the studio (BENCHMARKS.md).
    png_alloc_size_t size = PNG_IMAGE_PNG_SIZE_MAX(img);
    std::string out(size, '\0');
    if (!png_image_write_to_memory(&img, out.data(), &size, 0, image.rgb.data(), 0, nullptr))
        throw IoError(std::string("PNG encoding failed: ") + img.message);
    out.resize(size);
    return out;
}

void write_png(const Image& image, const std::filesystem::path& path) {
    write_file_atomically(path, encode_png(image));
}

Image decode_png(std::string_view bytes, const std::string& name) {
    if (bytes.size() < 8 || png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.data()), 0, 8) != 0)
        throw FormatError(name, 0, "not a PNG file (bad signature)");
    png_image img;
    std::memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&img, bytes.data(), bytes.size()))
        throw FormatError(name, std::string("corrupt PNG: ") + img.message);
    // Guard against absurd headers before allocating (a crafted IHDR can claim 2^31 x 2^31).
    if (img.width == 0 || img.height == 0 || static_cast<std::uint64_t>(img.width) * img.height > (1ull << 28)) {
        png_image_free(&img);
        throw FormatError(name, "PNG too large or empty: " + std::to_string(img.width) + "x" + std::to_string(img.height));
    }
    img.format = PNG_FORMAT_RGB;
    Image out;
    out.width = static_cast<int>(img.width);
    out.height = static_cast<int>(img.height);
    out.rgb.resize(PNG_IMAGE_SIZE(img));
    png_color white{255, 255, 255};
    if (!png_image_finish_read(&img, &white, out.rgb.data(), 0, nullptr)) {
        std::string msg = img.message;
        png_image_free(&img);
        throw FormatError(name, "corrupt PNG: " + msg);
    }
    return out;
}

Image read_png(const std::filesystem::path& path) {
    return decode_png(read_file(path), path.string());
}

}  // namespace quintet
