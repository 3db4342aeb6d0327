// SPDX-License-Identifier: MIT
// libFuzzer entry: arbitrary bytes as an official .pth.tar checkpoint (zip or legacy layout), through the
// zip reader, the allow-listed unpickler, tensor materialisation and the options -> config conversion.
// Every malformed input must end in imram::Error; anything else (a crash, a sanitizer report, another
// exception type) is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/check.h"
#include "models/imram/official_checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const std::string_view bytes(reinterpret_cast<const char*>(data), size);
        const imram::models::OfficialCheckpoint c = imram::models::read_official_checkpoint(bytes, "fuzz input");
        (void)imram::models::to_model_file(c);
    } catch (const imram::Error&) {
    }
    return 0;
}
