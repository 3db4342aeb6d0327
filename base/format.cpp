// SPDX-License-Identifier: MIT
#include "base/format.h"

#include <cstdio>

namespace imram {

std::string format_exact(double v) {
    char b[32];  // "%.17g" of a double is at most 24 characters ("-1.2345678901234567e-308")
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
}

}  // namespace imram
