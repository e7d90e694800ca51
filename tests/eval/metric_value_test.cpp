#include <gtest/gtest.h>

#include "eval/metric_value.hpp"
#include "util/error.hpp"

using namespace quintet::eval;

TEST(MetricValue, FormatsLikePythonRepr) {
    EXPECT_EQ(format_double(0.42105263157894735), "0.42105263157894735");
    EXPECT_EQ(format_double(1.0), "1.0");
    EXPECT_EQ(format_double(0.0), "0.0");
    EXPECT_EQ(format_double(49.69879518072289), "49.69879518072289");
    EXPECT_EQ(format_double(1e-05), "1e-05");
    EXPECT_EQ(format_double(0.0001), "0.0001");
    EXPECT_EQ(format_double(1e16), "1e+16");
    EXPECT_EQ(format_double(123456789012345.0), "123456789012345.0");
    EXPECT_EQ(format_double(-2.5), "-2.5");
    EXPECT_EQ(format_double(kNaN), "nan");
    EXPECT_EQ(format_metric_value(MetricValue::count(-127)), "-127");
    EXPECT_EQ(format_metric_value(MetricValue::error("ValueError", "x")), "error:ValueError");
}

TEST(MetricValue, ParsesReferenceText) {
    EXPECT_TRUE(parse_metric_value("12", "f").integer);
    EXPECT_EQ(parse_metric_value("-127", "f").value, -127);
    EXPECT_EQ(parse_metric_value("0.6707616707616708", "f").value, 0.6707616707616708);
    EXPECT_TRUE(parse_metric_value("nan", "f").is_nan());
    const auto e = parse_metric_value("error:ValueError", "f");
    EXPECT_FALSE(e.ok());
    EXPECT_EQ(e.raised, "ValueError");
    EXPECT_THROW(parse_metric_value("1.2.3", "f"), quintet::FormatError);
    EXPECT_THROW(parse_metric_value("", "f"), quintet::FormatError);
}
