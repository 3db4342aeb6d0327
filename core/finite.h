// SPDX-License-Identifier: MIT
// Finding NaN and infinity in data that comes from files (image features, model weights) or from a
// model (score matrices). Such a value does not fail loudly downstream: it turns every score it
// touches into NaN, and a ranking of NaN scores can look like a perfect model. Inputs are therefore
// checked once where they enter, and refused with the position of the first bad value.
#pragma once

#include <cstdint>
#include <string>

#include "core/shape.h"
#include "core/tensor.h"

namespace imram {

/// Index of the first NaN or infinity in p[0, n), or -1 when every value is finite. One pass that
/// the compiler vectorises (an exponent test on the bits); the exact position is searched for only
/// inside the block that holds a bad value.
std::int64_t first_non_finite(const float* p, std::int64_t n);
std::int64_t first_non_finite(const double* p, std::int64_t n);

/// Flat (row-major) index of the first non-finite element of a host tensor of F32 or F64 (any
/// strides), or -1 when all are finite or the tensor holds integers or booleans.
std::int64_t first_non_finite(const Tensor& t);

/// "NaN", "+Inf" or "-Inf" (or "finite") for a message.
const char* non_finite_name(double v);

/// The row-major multi-index of flat index `flat` in `shape`.
Shape unravel_index(std::int64_t flat, const Shape& shape);

}  // namespace imram
