// SPDX-License-Identifier: MIT
// safetensors files: 8-byte little-endian header length N, N bytes of JSON
//   {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {..}}
// then the raw little-endian tensor bytes. Reads validate every field and name the file and the
// tensor in their errors; writes are atomic.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "nn/module.h"

namespace imram::nn {

struct TensorFile {
    std::vector<std::pair<std::string, Tensor>> tensors;  // in file order
    std::map<std::string, std::string> metadata;
    const Tensor* find(const std::string& name) const;
};

/// Serialises to bytes (what save_safetensors writes). Tensors are written contiguous, on the host.
std::string encode_safetensors(const TensorFile& f);
/// Parses bytes; `source` names the file in error messages.
TensorFile decode_safetensors(const std::string& bytes, const std::string& source);

void save_safetensors(const std::string& path, const TensorFile& f);
TensorFile load_safetensors(const std::string& path);

/// Refuses (ErrorKind::Data) a file whose floating-point tensors hold a NaN or infinity, naming
/// `source`, the tensor and the element: such weights make every score NaN, which no ranking can
/// tell from a model. Integer and boolean tensors are not inspected.
void check_finite(const TensorFile& f, const std::string& source);

/// The module's parameters as a TensorFile (names as named_parameters()).
TensorFile state_dict(Module& m, const std::map<std::string, std::string>& metadata = {});
/// Copies tensors into the module's parameters by name. A leading "module." (PyTorch DataParallel)
/// is accepted. With `strict`, missing and unexpected names are errors; shapes must always match.
/// Returns how many of the module's parameters were set from the file.
std::size_t load_state_dict(Module& m, const TensorFile& f, bool strict = true, const std::string& source = "state");

}  // namespace imram::nn
