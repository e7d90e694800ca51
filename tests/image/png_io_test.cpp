#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>
#include <fstream>
#include <string>

#include <png.h>

#include <cstring>
#include <random>

#include "io/image/png_io.hpp"
#include "support/skip_or_fail.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;
using namespace quintet;

namespace {

fs::path temp_dir(const std::string& name) {
    fs::path d = fs::temp_directory_path() / ("quintet_image_test_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

std::uint32_t be32(const std::string& s, std::size_t at) {
    auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])); };
    return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

Image test_pattern() {
    Image img(7, 5, {10, 20, 30});
    img.set_pixel(0, 0, {255, 0, 0});
    img.set_pixel(6, 4, {0, 255, 0});
    img.set_pixel(3, 2, {1, 2, 250});
    return img;
}

}  // namespace

TEST(PngIo, HeaderFieldsMatchThePngSpec) {
    const std::string bytes = encode_png(test_pattern());
    // PNG signature, then the IHDR chunk: length 13, "IHDR", width, height, bit depth 8, colour type 2 (RGB).
    ASSERT_GT(bytes.size(), 33u);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_EQ(be32(bytes, 8), 13u);
    EXPECT_EQ(bytes.substr(12, 4), "IHDR");
    EXPECT_EQ(be32(bytes, 16), 7u);
    EXPECT_EQ(be32(bytes, 20), 5u);
    EXPECT_EQ(bytes[24], 8);
    EXPECT_EQ(bytes[25], 2);
}

// encode_png writes in one pass into libpng's largest-size bound; the bytes are those of libpng's own two-step
// form (ask the size, then write), on a smooth image and on noise that does not compress (the worst case).
TEST(PngIo, OnePassEncodingGivesLibpngsTwoStepBytes) {
    auto two_step = [](const Image& image) {
        png_image img;
        std::memset(&img, 0, sizeof img);
        img.version = PNG_IMAGE_VERSION;
        img.width = png_uint_32(image.width);
        img.height = png_uint_32(image.height);
        img.format = PNG_FORMAT_RGB;
        png_alloc_size_t size = 0;
        EXPECT_TRUE(png_image_write_get_memory_size(img, size, 0, image.rgb.data(), 0, nullptr));
        std::string out(size, '\0');
        EXPECT_TRUE(png_image_write_to_memory(&img, out.data(), &size, 0, image.rgb.data(), 0, nullptr));
        out.resize(size);
        return out;
    };
    Image smooth(640, 120, {240, 240, 240});
    for (int x = 0; x < 640; x += 7)
        for (int y = 20; y < 30; ++y) smooth.set_pixel(x, y, {40, 100, 200});
    std::mt19937 rng(5);
    Image noise(300, 200, {0, 0, 0});
    for (auto& v : noise.rgb) v = std::uint8_t(rng());
    for (const Image* image : {&smooth, &noise}) {
        const std::string bytes = encode_png(*image);
        EXPECT_EQ(bytes, two_step(*image));
        EXPECT_EQ(decode_png(bytes, "mem").rgb, image->rgb);
    }
}

TEST(PngIo, RoundTripKeepsEveryPixel) {
    const Image img = test_pattern();
    const Image back = decode_png(encode_png(img), "mem");
    EXPECT_EQ(back.width, 7);
    EXPECT_EQ(back.height, 5);
    EXPECT_EQ(back.rgb, img.rgb);
    EXPECT_EQ(back.pixel(3, 2), (Rgb{1, 2, 250}));
}

TEST(PngIo, WriteIsAtomicAndReadable) {
    const fs::path d = temp_dir("write");
    write_png(test_pattern(), d / "a.png");
    EXPECT_EQ(read_png(d / "a.png").pixel(6, 4), (Rgb{0, 255, 0}));
    // Nothing but the file itself is left in the folder (no temporary).
    int n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(d)) ++n;
    EXPECT_EQ(n, 1);
    fs::remove_all(d);
}

// Pillow (Debian python3-pil) as an independent decoder of what we wrote.
TEST(PngIo, PillowReadsOurPixels) {
    if (std::system("/usr/bin/python3 -c 'import PIL' >/dev/null 2>&1") != 0) QUINTET_SKIP_OR_FAIL("python3-pil not installed (scripts/install-deps installs it)");
    const fs::path d = temp_dir("pil");
    write_png(test_pattern(), d / "p.png");
    const std::string cmd = "/usr/bin/python3 -c \"from PIL import Image; im=Image.open('" + (d / "p.png").string() +
                            "'); print(im.size, im.mode, im.getpixel((0,0)), im.getpixel((6,4)), im.getpixel((3,2)), "
                            "im.getpixel((1,1)))\" > " + (d / "out.txt").string();
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    std::string out = read_file(d / "out.txt");
    EXPECT_EQ(out, "(7, 5) RGB (255, 0, 0) (0, 255, 0) (1, 2, 250) (10, 20, 30)\n");
    fs::remove_all(d);
}

TEST(PngIo, GarbageIsAFormatErrorNamingTheFile) {
    try {
        decode_png("this is not a png at all", "junk.png");
        FAIL() << "expected FormatError";
    } catch (const FormatError& e) {
        EXPECT_NE(std::string(e.what()).find("junk.png"), std::string::npos);
        EXPECT_EQ(e.offset(), 0);
    }
}

TEST(PngIo, TruncatedAndCorruptedFilesAreFormatErrors) {
    const std::string good = encode_png(test_pattern());
    // A file cut anywhere up to the last IDAT byte (the 12-byte IEND chunk follows it) must fail;
    // a missing IEND alone loses no pixels and libpng accepts it.
    for (std::size_t cut : {8ul, 20ul, 33ul, good.size() / 2, good.size() - 16, good.size() - 13}) {
        EXPECT_THROW(decode_png(good.substr(0, cut), "cut.png"), FormatError) << "cut at " << cut;
    }
    std::string flipped = good;
    flipped[40] ^= 0x55;  // inside IDAT: CRC and zlib checks must catch it
    EXPECT_THROW(decode_png(flipped, "flip.png"), FormatError);
}

TEST(PngIo, HugeDeclaredSizeIsRefusedNotAllocated) {
    std::string bytes = encode_png(test_pattern());
    // Claim 100000 x 100000 in IHDR (the CRC then fails too; either check must refuse it cleanly).
    for (int i = 0; i < 2; ++i) {
        const std::size_t at = 16 + 4 * i;
        bytes[at] = 0; bytes[at + 1] = 0x01; bytes[at + 2] = static_cast<char>(0x86); bytes[at + 3] = static_cast<char>(0xA0);
    }
    EXPECT_THROW(decode_png(bytes, "huge.png"), FormatError);
}

TEST(PngIo, MissingFileIsAnIoError) {
    EXPECT_THROW(read_png("/nonexistent/dir/x.png"), IoError);
}

TEST(PngIo, WritingIntoAMissingFolderFailsAndLeavesNothing) {
    EXPECT_THROW(write_png(test_pattern(), "/nonexistent/dir/x.png"), Error);
    EXPECT_FALSE(fs::exists("/nonexistent/dir/x.png"));
}

TEST(PngIo, BadImagesAreRefused) {
    EXPECT_THROW(Image(0, 5), UsageError);
    Image img = test_pattern();
    img.rgb.pop_back();
    EXPECT_THROW(encode_png(img), UsageError);
    EXPECT_THROW(test_pattern().pixel(7, 0), UsageError);
}
