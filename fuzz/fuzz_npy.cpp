// SPDX-License-Identifier: MIT
// .npy loader (io/npy.*): header preamble, the Python-literal header, shape and size checks,
// and the mapped data. A loaded tensor must describe exactly the bytes after the header.
#include <cstdint>

#include "base/check.h"
#include "fuzz/fuzz_input.h"
#include "io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using imram::fuzz::require;
    try {
        const imram::Tensor t = imram::io::load_npy(imram::fuzz::as_file(data, size));
        require(t.dtype() == imram::DType::F32, "load_npy returns float32");
        const auto bytes = static_cast<std::size_t>(t.numel()) * 4;
        require(bytes <= size, "the tensor fits in the file");
        // Every byte is read (ASan reports a mapping or copy shorter than the shape says) and compared
        // with the input's tail (an offset error would read the data from the wrong place).
        const auto* p = static_cast<const unsigned char*>(t.raw_data());
        for (std::size_t i = 0; i < bytes; ++i) require(p[i] == data[size - bytes + i], "data is the file's tail");
    } catch (const imram::Error&) {
    }
    return 0;
}
