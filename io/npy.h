// SPDX-License-Identifier: MIT
// NumPy .npy files: the precomputed image features (SCAN "precomp" layout) and --save-sims output.
//
// load_npy maps the file instead of reading it: a train feature file is 8.5 GB (F30K) to 33 GB
// (COCO), and the loader touches only the rows a batch needs. The mapping is MAP_PRIVATE with
// PROT_READ|PROT_WRITE: Tensor data is non-const, and an accidental write then copies the page
// (copy-on-write) instead of reaching the file. The mapping lives as long as the returned tensor
// (or any view of it) does.
//
// Accepted: format versions 1.0, 2.0 and 3.0; descr '<f4' (little-endian float32), or '<i4'
// (little-endian int32) when that is what the caller asks for;
// fortran_order False; any shape, including () and shapes with zeros. The file size must equal
// header + prod(shape) * 4 exactly. Every error is an imram::Error naming the file and the field.
#pragma once

#include <string>

#include "core/tensor.h"

namespace imram::io {

/// Tensor of `dtype` (F32 or I32; the file's descr must match) on Device::cpu() viewing the mapped
/// file. Throws imram::Error on any malformed, unsupported or truncated file. (A file whose data
/// offset is not 4-byte aligned, which NumPy never writes, is copied into owned memory instead.)
Tensor load_npy(const std::string& path, DType dtype = DType::F32);

/// Writes `t` (F32 or I32, any host device, any strides) as a version 1.0 .npy file whose header is padded
/// so that the data starts on a 64-byte boundary, as NumPy does. Atomic (write_file_atomic).
void save_npy(const std::string& path, const Tensor& t);

}  // namespace imram::io
