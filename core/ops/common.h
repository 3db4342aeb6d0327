// SPDX-License-Identifier: MIT
// Helpers shared by the op front-ends (not part of the public API).
#pragma once

#include <cstdint>
#include <vector>

#include "core/autograd.h"
#include "core/ops.h"
#include "kernels/args.h"
#include "kernels/dispatch.h"

namespace imram::detail {

/// t's own layout (shape and strides) as a kernel argument.
Strided layout_of(const Tensor& t, const char* op);
/// t's layout broadcast to `out` (right-aligned; broadcast dims get stride 0).
Strided broadcast_layout(const Tensor& t, const Shape& out, const char* op);

/// Throws unless all defined tensors share `ref`'s device and dtype.
void check_same(const char* op, const Tensor& ref, const std::vector<Tensor>& others);
/// Throws unless t has a floating dtype.
void check_floating(const char* op, const Tensor& t);

/// Sums a broadcast gradient back down to `shape` (the inverse of broadcasting).
Tensor sum_to(const Tensor& g, const Shape& shape);

/// Indices as contiguous i64 on `target` (the indexed tensor's device), each checked on the host to
/// lie in [0, bound).
Tensor checked_indices(const char* op, const Tensor& idx, std::int64_t bound, Device target);

/// (O, R, I) view of `shape` around `dim`.
struct OuterRInner {
    std::int64_t O = 1, R = 1, I = 1;
};
OuterRInner split_at(const Shape& shape, int dim);

/// Copies src into dst (same shape; any strides) with the backend of dst's device.
void copy_into(const Tensor& dst, const Tensor& src);

/// out[b] (M, N) = op(a[b]) op(b[b]) + beta * out[b] with the gemm kernel of out's device; all
/// contiguous (views included), batch strides from the shapes unless batched_a / batched_b is false
/// (then every product reads the same a or b). weight_product, taped: see GemmArgs (kernels/args.h).
void gemm_into(Tensor& out, const Tensor& a, bool ta, const Tensor& b, bool tb, std::int64_t batch, std::int64_t M,
               std::int64_t N, std::int64_t K, double beta, bool batched_a = true, bool batched_b = true,
               bool weight_product = false, bool taped = false);

}  // namespace imram::detail
