// SPDX-License-Identifier: MIT
#include "models/options.h"

#include <cerrno>
#include <cstdlib>

#include "base/check.h"

namespace imram::models {

double option_double(const Options& m, const std::string& key, double def, const std::string& src) {
    auto it = m.find(key);
    if (it == m.end()) return def;
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    IMRAM_CHECK(end && *end == '\0' && !it->second.empty(), src, ": metadata field '", key,
                "' must be a number, got '", it->second, "'");
    return v;
}

std::int64_t option_int(const Options& m, const std::string& key, std::int64_t def, const std::string& src) {
    auto it = m.find(key);
    if (it == m.end()) return def;
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(it->second.c_str(), &end, 10);
    IMRAM_CHECK(end && *end == '\0' && !it->second.empty() && errno != ERANGE, src, ": metadata field '", key,
                "' must be a 64-bit integer, got '", it->second, "'");
    return v;
}

}  // namespace imram::models
