// SPDX-License-Identifier: MIT
#include "base/format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace imram {

std::string format_exact(double v) {
    char b[32];  // "%.17g" of a double is at most 24 characters ("-1.2345678901234567e-308")
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
}

std::string format_python_float(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char b[32];
    for (int p = 1; p <= 17; ++p) {
        std::snprintf(b, sizeof b, "%.*g", p, v);
        if (std::strtod(b, nullptr) == v) break;
    }
    std::string t = b;
    if (t.find_first_of(".en") == std::string::npos) t += ".0";
    return t;
}

}  // namespace imram
