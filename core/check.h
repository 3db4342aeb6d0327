// SPDX-License-Identifier: MIT
// Always-on host checks. They throw imram::Error (never abort) so tests can exercise error paths.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace imram {

/// Every error the engine raises. what() reads "file:line: op: message [check: expr]".
struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

namespace detail {
template <class... A>
std::string cat(const A&... a) {
    std::ostringstream s;
    (s << ... << a);
    return s.str();
}
[[noreturn]] void fail(const char* file, int line, const char* expr, const std::string& msg);
}  // namespace detail

}  // namespace imram

#define IMRAM_CHECK(cond, ...)                                                                            \
    do {                                                                                                  \
        if (!(cond)) ::imram::detail::fail(__FILE__, __LINE__, #cond, ::imram::detail::cat(__VA_ARGS__)); \
    } while (0)

#define IMRAM_FAIL(...) ::imram::detail::fail(__FILE__, __LINE__, nullptr, ::imram::detail::cat(__VA_ARGS__))
