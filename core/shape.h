// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <vector>

namespace imram {

/// Sizes (or strides, in elements) of a tensor, outermost first. A distinct type (not an alias) so
/// that operator<< below is found by argument-dependent lookup inside error messages.
struct Shape : std::vector<std::int64_t> {
    using std::vector<std::int64_t>::vector;
    Shape() = default;
    Shape(const std::vector<std::int64_t>& v) : std::vector<std::int64_t>(v) {}  // NOLINT: implicit on purpose
};

std::int64_t shape_numel(const Shape& s);
Shape contiguous_strides(const Shape& s);
/// NumPy broadcasting of two shapes; throws imram::Error naming `op` when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
/// Normalises a possibly negative dim into [0, ndim); throws naming `op` when out of range.
int wrap_dim(std::int64_t dim, int ndim, const char* op);
std::ostream& operator<<(std::ostream& os, const Shape& s);

}  // namespace imram
