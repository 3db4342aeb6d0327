// SPDX-License-Identifier: MIT
// Always-on host checks. They throw imram::Error (never abort) so tests can exercise error paths.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace imram {

/// What went wrong, as far as a user is concerned; the `imram` tool turns it into its exit code
/// (docs/cli.md): Data 65 (the input is malformed or inconsistent, the default), Missing 66 (an input
/// does not exist or cannot be opened), IO 74 (an output cannot be written), Usage 64 (options that
/// contradict each other or the input), Unavailable 69 (a device that does not answer), Internal 70.
enum class ErrorKind : unsigned char { Data, Missing, IO, Usage, Unavailable, Internal };

/// Every error the engine raises. what() reads "file:line: message [check: expr]" for a failed
/// IMRAM_CHECK, or the message alone; message() is the message without the source location and the
/// check's expression (what a user is shown), where() those two (what a developer is shown).
struct Error : std::runtime_error {
    explicit Error(const std::string& message, ErrorKind kind = ErrorKind::Data)
        : std::runtime_error(message), kind(kind), message_(message) {}
    /// A failed check: what() = "location: message [check: expr]" (expr may be empty).
    Error(ErrorKind kind, const std::string& message, const std::string& location, const std::string& expr)
        : std::runtime_error(location + ": " + message + (expr.empty() ? "" : " [check: " + expr + "]")),
          kind(kind), message_(message), where_(location + (expr.empty() ? "" : " [check: " + expr + "]")) {}
    ErrorKind kind;
    const std::string& message() const { return message_; }
    const std::string& where() const { return where_; }

    static Error missing(const std::string& m) { return Error(m, ErrorKind::Missing); }
    static Error io(const std::string& m) { return Error(m, ErrorKind::IO); }
    static Error usage(const std::string& m) { return Error(m, ErrorKind::Usage); }

private:
    std::string message_, where_;
};

namespace detail {
template <class... A>
std::string cat(const A&... a) {
    std::ostringstream s;
    (s << ... << a);
    return s.str();
}
[[noreturn]] void fail(const char* file, int line, const char* expr, const std::string& msg,
                       ErrorKind kind = ErrorKind::Data);
}  // namespace detail

}  // namespace imram

#define IMRAM_CHECK(cond, ...)                                                                            \
    do {                                                                                                  \
        if (!(cond)) ::imram::detail::fail(__FILE__, __LINE__, #cond, ::imram::detail::cat(__VA_ARGS__)); \
    } while (0)

#define IMRAM_FAIL(...) ::imram::detail::fail(__FILE__, __LINE__, nullptr, ::imram::detail::cat(__VA_ARGS__))

/// IMRAM_CHECK with an ErrorKind other than Data, e.g. IMRAM_CHECK_KIND(fd >= 0, Missing, path, ": ...").
#define IMRAM_CHECK_KIND(cond, kind, ...)                                                        \
    do {                                                                                         \
        if (!(cond))                                                                             \
            ::imram::detail::fail(__FILE__, __LINE__, #cond, ::imram::detail::cat(__VA_ARGS__), \
                                  ::imram::ErrorKind::kind);                                     \
    } while (0)
#define IMRAM_FAIL_KIND(kind, ...) \
    ::imram::detail::fail(__FILE__, __LINE__, nullptr, ::imram::detail::cat(__VA_ARGS__), ::imram::ErrorKind::kind)
