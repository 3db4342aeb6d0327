// SPDX-License-Identifier: MIT
// safetensors (nn/safetensors.*): header length, JSON header, dtypes, shapes and data offsets.
// What decodes must encode and decode again to the same names, shapes, dtypes, bytes and metadata.
#include <cstdint>
#include <cstring>
#include <string>

#include "base/check.h"
#include "fuzz/fuzz_input.h"
#include "nn/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using imram::fuzz::require;
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    imram::nn::TensorFile f;
    try {
        f = imram::nn::decode_safetensors(bytes, "fuzz.safetensors");
    } catch (const imram::Error&) {
        return 0;
    }
    // Names the encoder refuses ("" is legal in the format) end the check here.
    for (const auto& [name, t] : f.tensors)
        if (name.empty()) return 0;
    const imram::nn::TensorFile g = imram::nn::decode_safetensors(imram::nn::encode_safetensors(f), "round trip");
    require(g.tensors.size() == f.tensors.size() && g.metadata == f.metadata, "round trip keeps entries");
    for (std::size_t i = 0; i < f.tensors.size(); ++i) {
        const auto& [na, a] = f.tensors[i];
        const auto& [nb, b] = g.tensors[i];
        require(na == nb && a.shape() == b.shape() && a.dtype() == b.dtype(), "round trip keeps name, shape, dtype");
        require(a.nbytes() == b.nbytes() && (a.nbytes() == 0 || std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0),
                "round trip keeps the bytes");
    }
    return 0;
}
