// SPDX-License-Identifier: MIT
// format_exact: the text of a double in model metadata, checkpoints and metrics.jsonl reads back to
// the same double, in the form those files have always held ("%.17g").
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <sstream>

#include "base/format.h"

using imram::format_exact;

TEST_CASE("format_exact: 17 significant digits, the form written so far", "[core]") {
    CHECK(format_exact(0.2) == "0.20000000000000001");
    CHECK(format_exact(9.0) == "9");
    CHECK(format_exact(593.0) == "593");
    CHECK(format_exact(2e-4) == "0.00020000000000000001");
    CHECK(format_exact(1e-5) == "1.0000000000000001e-05");
    CHECK(format_exact(1e17) == "1e+17");
    CHECK(format_exact(-0.0) == "-0");
    CHECK(format_exact(0.1 + 0.2) == "0.30000000000000004");
    CHECK(format_exact(5e-324) == "4.9406564584124654e-324");
    CHECK(format_exact(std::numeric_limits<double>::max()) == "1.7976931348623157e+308");
    CHECK(format_exact(std::numeric_limits<double>::infinity()) == "inf");
    CHECK(format_exact(-std::numeric_limits<double>::infinity()) == "-inf");
    CHECK(format_exact(std::numeric_limits<double>::quiet_NaN()) == "nan");
}

TEST_CASE("format_exact: every double reads back bit for bit, as the stream form did", "[core]") {
    std::uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 20000; ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift64: bit patterns over every exponent
        double v;
        std::memcpy(&v, &x, sizeof v);
        if (std::isnan(v)) continue;
        const std::string s = format_exact(v);
        const double back = std::strtod(s.c_str(), nullptr);
        std::uint64_t bits;
        std::memcpy(&bits, &back, sizeof bits);
        REQUIRE(bits == x);
        // The same bytes as the ostream with precision 17 the three writers used before.
        std::ostringstream o;
        o.precision(17);
        o << v;
        REQUIRE(s == o.str());
    }
}

TEST_CASE("format_python_float: the shortest text, as Python's repr", "[core]") {
    using imram::format_python_float;
    CHECK(format_python_float(0.2) == "0.2");
    CHECK(format_python_float(9.0) == "9.0");
    CHECK(format_python_float(2e-4) == "0.0002");
    CHECK(format_python_float(1e-5) == "1e-05");
    CHECK(format_python_float(0.1 + 0.2) == "0.30000000000000004");
    CHECK(format_python_float(-0.0) == "-0.0");
    CHECK(format_python_float(std::numeric_limits<double>::infinity()) == "inf");
    CHECK(format_python_float(std::numeric_limits<double>::quiet_NaN()) == "nan");
}
