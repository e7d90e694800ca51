#include "util/error_report.hpp"

#include <cstdio>
#include <exception>

#include "util/error.hpp"

namespace quintet {

int run_reporting_errors(const std::function<int()>& body) {
    try {
        return body();
    } catch (const Error& e) {
        std::fprintf(stderr, "quintet: error: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "quintet: internal error: %s\n", e.what());
        return 1;
    } catch (...) {
        std::fprintf(stderr, "quintet: internal error: unknown exception\n");
        return 1;
    }
}

}  // namespace quintet
