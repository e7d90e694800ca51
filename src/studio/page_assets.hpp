#pragma once
// The page's files (src/studio/page/), built into the binary by cmake/embed_page.cmake.
#include <string_view>

namespace quintet::studio {

struct PageAsset {
    std::string_view path;          // "/", "/studio.js"
    std::string_view content_type;
    std::string_view body;
};

// The asset served at `path`, or nullptr.
const PageAsset* find_page_asset(std::string_view path);

}  // namespace quintet::studio
