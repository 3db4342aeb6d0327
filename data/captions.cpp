// SPDX-License-Identifier: MIT
#include "data/captions.h"

#include <string_view>

#include "base/check.h"
#include "base/file_io.h"
#include "base/lines.h"
#include "base/utf8.h"

namespace imram::data {

std::vector<std::string> read_captions(const std::string& path) {
    const std::string bytes = read_file(path);
    IMRAM_CHECK(!bytes.empty(), path, ": caption file is empty");
    std::vector<std::string> captions;
    for_each_line(bytes, [&](std::int64_t line_no, std::string_view line) {
        IMRAM_CHECK(line.size() <= kMaxCaptionBytes, path, ":", line_no, ": caption of ", line.size(),
                    " bytes is longer than the limit of ", kMaxCaptionBytes, " bytes (see docs/cli.md, Limits on input)");
        const std::size_t bad = utf8::find_invalid(line);
        IMRAM_CHECK(bad == utf8::npos, path, ":", line_no, ": invalid UTF-8 at byte ", bad + 1, " of line ", line_no);
        captions.emplace_back(line);
    });
    return captions;
}

}  // namespace imram::data
