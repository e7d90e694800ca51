#pragma once
// A small built-in bitmap font (our own design): printable ASCII, 5 px wide, 7 px above the baseline
// plus 2 descender rows, drawn in a 6 x 10 px cell at scale 1. Unknown characters draw as '?'.
#include <string_view>

namespace quintet::font {

inline constexpr int kGlyphWidth = 5;
inline constexpr int kGlyphRows = 9;    // 7 rows to the baseline + 2 descender rows
inline constexpr int kAdvance = 6;      // horizontal cell width at scale 1
inline constexpr int kLineHeight = 10;  // vertical cell height at scale 1
inline constexpr int kCapHeight = 7;

// True when pixel (col, row) of the glyph for c is ink; col in [0,5), row in [0,9).
bool glyph_ink(char c, int col, int row);
bool has_glyph(char c);

inline int text_width(std::string_view s, int scale = 1) {
    return s.empty() ? 0 : (static_cast<int>(s.size()) * kAdvance - 1) * scale;
}

}  // namespace quintet::font
