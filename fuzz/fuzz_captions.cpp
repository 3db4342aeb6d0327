// SPDX-License-Identifier: MIT
// Caption files (data/captions.*): line splitting, '\r' handling, strict UTF-8 checks and the
// caption length limit.
#include <cstdint>
#include <string>

#include "base/check.h"
#include "fuzz/fuzz_input.h"
#include "data/captions.h"
#include "base/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using imram::fuzz::require;
    try {
        const auto caps = imram::data::read_captions(imram::fuzz::as_file(data, size));
        std::size_t total = 0;
        for (const std::string& c : caps) {
            require(c.find('\n') == std::string::npos, "a caption holds no newline");
            require(c.size() <= imram::data::kMaxCaptionBytes, "a caption is within the byte limit");
            require(imram::utf8::find_invalid(c) == imram::utf8::npos, "a caption is valid UTF-8");
            // Decoding what find_invalid accepted must not throw.
            (void)imram::utf8::decode(c, "caption");
            total += c.size();
        }
        require(!caps.empty() && total + caps.size() <= size + 1, "captions come from the file");
    } catch (const imram::Error&) {
    }
    return 0;
}
