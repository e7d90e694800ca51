#include "eval/metric_value.hpp"

#include <charconv>
#include <cstdlib>
#include <string_view>

#include "util/error.hpp"

namespace quintet::eval {

// Python's float repr: shortest round-trip digits, positional for 1e-4 <= |v| < 1e16, else "1.5e-05".
std::string format_double(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string s(buf, res.ptr);
    const bool negative = s[0] == '-';
    if (negative) s.erase(0, 1);
    const auto e_pos = s.find('e');
    const int exponent = std::atoi(s.c_str() + e_pos + 1);
    std::string digits;
    for (std::size_t i = 0; i < e_pos; ++i)
        if (s[i] != '.') digits += s[i];
    std::string out;
    if (exponent >= -4 && exponent < 16) {
        if (exponent < 0) {
            out = "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
        } else {
            const auto int_len = static_cast<std::size_t>(exponent) + 1;
            if (digits.size() <= int_len)
                out = digits + std::string(int_len - digits.size(), '0') + ".0";
            else
                out = digits.substr(0, int_len) + "." + digits.substr(int_len);
        }
    } else {
        out = digits.substr(0, 1);
        if (digits.size() > 1) {
            // Appended in place: `"." + digits.substr(1)` makes GCC 12 warn a false -Wrestrict (GCC PR 105651).
            out += '.';
            out.append(digits, 1);
        }
        char exp_buf[16];
        std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
        out += exp_buf;
    }
    if (negative) out.insert(out.begin(), '-');
    return out;
}

std::string format_metric_value(const MetricValue& v) {
    if (!v.ok()) return "error:" + v.raised;
    if (v.integer && std::isfinite(v.value)) return std::to_string(static_cast<long long>(v.value));
    return format_double(v.value);
}

MetricValue parse_metric_value(const std::string& text, const std::string& where) {
    if (text.rfind("error:", 0) == 0) return MetricValue::error(text.substr(6), "raised in the original code");
    if (text == "nan") return MetricValue::number(kNaN);
    if (text == "inf") return MetricValue::number(std::numeric_limits<double>::infinity());
    if (text == "-inf") return MetricValue::number(-std::numeric_limits<double>::infinity());
    const char* first = text.data();
    const char* last = first + text.size();
    const bool looks_integer = !text.empty() && text.find_first_of(".eE") == std::string::npos;
    if (looks_integer) {
        long long n = 0;
        auto r = std::from_chars(first, last, n);
        if (r.ec == std::errc() && r.ptr == last) return MetricValue::count(n);
    } else {
        double d = 0;
        auto r = std::from_chars(first, last, d);
        if (r.ec == std::errc() && r.ptr == last) return MetricValue::number(d);
    }
    throw FormatError(where, "not a metric value: '" + text + "'");
}

}  // namespace quintet::eval
