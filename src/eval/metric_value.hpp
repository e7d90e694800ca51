#pragma once
// One metric result. The original implementations sometimes raise instead of returning a number
// (e.g. pypianoroll v1's qualified_note_rate); that case is kept distinct from NaN so a caller and
// the reference CSVs (`error:<Type>`) can tell "undefined" from "the original code fails here".
#include <cmath>
#include <limits>
#include <string>

namespace quintet::eval {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct MetricValue {
    double value = kNaN;
    bool integer = false;     // printed without a decimal point (counts, ranges)
    std::string raised;       // non-empty: the original raises this exception type (e.g. "ValueError")
    std::string reason;       // why it raises, for humans

    static MetricValue number(double v) { return {v, false, {}, {}}; }
    static MetricValue count(long long v) { return {static_cast<double>(v), true, {}, {}}; }
    static MetricValue error(std::string type, std::string why) { return {kNaN, false, std::move(type), std::move(why)}; }

    bool ok() const { return raised.empty(); }
    bool is_nan() const { return ok() && std::isnan(value); }
};

// Text as in the reference CSVs: integers as "12", floats in shortest round-trip form with Python's
// repr conventions ("0.5", "1.0", "1e-05", "nan", "inf"), raised cases as "error:<Type>".
std::string format_metric_value(const MetricValue& v);
std::string format_double(double v);

// Parses the reference CSV text form back ("nan", "error:ValueError", "12", "0.42").
// Throws FormatError (with `where` as the file name) on anything else.
MetricValue parse_metric_value(const std::string& text, const std::string& where);

}  // namespace quintet::eval
