// SPDX-License-Identifier: MIT
// The line rule of every text file the engine reads line by line (captions, labels): lines end at
// '\n', a '\r' before it is dropped (files saved on Windows), the last line may lack its '\n', and a
// final '\n' does not start another line.
#pragma once

#include <cstdint>
#include <string_view>

namespace imram {

/// Calls f(line_no, line) for each line of `bytes`, line_no counting from 1; returns the count.
template <class F>
std::int64_t for_each_line(std::string_view bytes, F&& f) {
    std::int64_t line_no = 0;
    std::size_t start = 0;
    while (start < bytes.size()) {
        std::size_t end = bytes.find('\n', start);
        if (end == std::string_view::npos) end = bytes.size();
        std::string_view line = bytes.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        f(++line_no, line);
        start = end + 1;
    }
    return line_no;
}

}  // namespace imram
