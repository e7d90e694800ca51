#include <gtest/gtest.h>

#include "io/image/bitmap_font.hpp"
#include "io/image/canvas.hpp"

using namespace quintet;

namespace {
constexpr Rgb kWhite{255, 255, 255};
constexpr Rgb kBlack{0, 0, 0};

int ink_count(const Image& img, int x0, int y0, int w, int h) {
    int n = 0;
    for (int y = y0; y < y0 + h; ++y)
        for (int x = x0; x < x0 + w; ++x) n += img.pixel(x, y) != kWhite;
    return n;
}
}  // namespace

TEST(BitmapFont, EveryPrintableAsciiCharacterHasAGlyph) {
    for (int c = 32; c < 127; ++c) EXPECT_TRUE(font::has_glyph(static_cast<char>(c))) << "char " << c;
    EXPECT_FALSE(font::has_glyph('\n'));
}

TEST(BitmapFont, GlyphsAreDistinct) {
    // A font where two characters look the same is unreadable: compare every pair's bitmaps.
    for (int a = 33; a < 127; ++a)
        for (int b = a + 1; b < 127; ++b) {
            bool same = true;
            for (int r = 0; r < font::kGlyphRows && same; ++r)
                for (int col = 0; col < font::kGlyphWidth && same; ++col)
                    same = font::glyph_ink(static_cast<char>(a), col, r) == font::glyph_ink(static_cast<char>(b), col, r);
            EXPECT_FALSE(same) << "'" << static_cast<char>(a) << "' and '" << static_cast<char>(b) << "'";
        }
}

TEST(BitmapFont, DigitOneHasItsDesignedShape) {
    // '1' as designed: stem in column 2 on rows 0-6, flag at (1,1), foot across columns 1-3 on row 6.
    for (int r = 0; r < 7; ++r) EXPECT_TRUE(font::glyph_ink('1', 2, r)) << r;
    EXPECT_TRUE(font::glyph_ink('1', 1, 1));
    EXPECT_TRUE(font::glyph_ink('1', 1, 6));
    EXPECT_TRUE(font::glyph_ink('1', 3, 6));
    EXPECT_FALSE(font::glyph_ink('1', 0, 0));
    EXPECT_FALSE(font::glyph_ink('1', 4, 3));
    EXPECT_FALSE(font::glyph_ink('1', 2, 7));  // no descender
    EXPECT_TRUE(font::glyph_ink('g', 1, 8));   // 'g' has one
}

TEST(Canvas, TextLandsWhereAsked) {
    Canvas c(40, 20, kWhite);
    const int w = c.text(10, 5, "1", kBlack);
    EXPECT_EQ(w, 5);
    EXPECT_EQ(c.image().pixel(12, 5), kBlack);   // stem top
    EXPECT_EQ(c.image().pixel(11, 6), kBlack);   // flag
    EXPECT_EQ(c.image().pixel(10, 5), kWhite);
    EXPECT_EQ(ink_count(c.image(), 0, 0, 40, 20), 7 + 1 + 2);  // stem + flag + foot ends
    // Scale 2 doubles every pixel.
    Canvas d(40, 30, kWhite);
    d.text(0, 0, "1", kBlack, 2);
    EXPECT_EQ(ink_count(d.image(), 0, 0, 40, 30), 4 * 10);
    EXPECT_EQ(font::text_width("abc"), 17);
    EXPECT_EQ(font::text_width("abc", 2), 34);
}

TEST(Canvas, ShapesClipToTheImage) {
    Canvas c(10, 10, kWhite);
    c.fill_rect(-5, -5, 8, 8, kBlack);  // covers (0..2, 0..2)
    EXPECT_EQ(ink_count(c.image(), 0, 0, 10, 10), 9);
    c.line(0, 9, 9, 9, {1, 1, 1});
    EXPECT_EQ(c.image().pixel(9, 9), (Rgb{1, 1, 1}));
    EXPECT_EQ(ink_count(c.image(), 0, 9, 10, 1), 10);
    c.line(-1000000, 5, 1000000, 5, kBlack);  // far outside: must not hang or crash
    EXPECT_EQ(c.image().pixel(5, 5), kBlack);
    c.text(8, 8, "WWW", kBlack);  // runs off the edge: clipped
}

TEST(Canvas, DiagonalLineHitsBothEndsAndTheMiddle) {
    Canvas c(11, 11, kWhite);
    c.line(0, 0, 10, 10, kBlack);
    for (int i = 0; i <= 10; ++i) EXPECT_EQ(c.image().pixel(i, i), kBlack) << i;
    EXPECT_EQ(ink_count(c.image(), 0, 0, 11, 11), 11);
}

TEST(Canvas, BlendEnds) {
    EXPECT_EQ(blend({0, 0, 0}, {200, 100, 50}, 0), (Rgb{0, 0, 0}));
    EXPECT_EQ(blend({0, 0, 0}, {200, 100, 50}, 1), (Rgb{200, 100, 50}));
    EXPECT_EQ(blend({0, 0, 0}, {200, 100, 50}, 0.5), (Rgb{100, 50, 25}));
}
