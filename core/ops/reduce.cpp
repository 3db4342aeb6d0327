// SPDX-License-Identifier: MIT
// sum, mean, max, norm along dims. Each single-dim reduction views x as (O, R, I); the kernels
// reduce over R. Multi-dim sum/mean apply single-dim reductions from the last dim to the first.
#include <algorithm>

#include "core/ops/common.h"

namespace imram {
namespace {

Shape reduced_shape(const Shape& s, int dim, bool keepdim) {
    Shape out = s;
    if (keepdim)
        out[dim] = 1;
    else
        out.erase(out.begin() + dim);
    return out;
}

struct Reduced {
    Tensor y, idx;
};

Reduced reduce_dim(ReduceOp op, const char* name, const Tensor& x_in, std::int64_t dim_in, bool keepdim) {
    detail::check_floating(name, x_in);
    IMRAM_CHECK(x_in.dim() > 0, name, ": cannot reduce a 0-d tensor along a dim");
    const int dim = wrap_dim(dim_in, x_in.dim(), name);
    const Tensor x = x_in.contiguous();
    const auto [O, R, I] = detail::split_at(x.shape(), dim);
    IMRAM_CHECK(R > 0 || (op != ReduceOp::Max && op != ReduceOp::Mean), name, ": reducing an empty dim ", dim, " of ",
                x.describe());
    Reduced r;
    r.y = empty(reduced_shape(x.shape(), dim, keepdim), x.dtype(), x.device());
    if (op == ReduceOp::Max) r.idx = empty(r.y.shape(), DType::I64, x.device());
    IMRAM_FLOAT_SWITCH(
        x.dtype(), name, T,
        IMRAM_DISPATCH(x.device(), reduce_fwd,
                       (ReduceArgs<T>{op, x.data<T>(), r.y.data<T>(),
                                      r.idx.defined() ? r.idx.data<std::int64_t>() : nullptr, O, R, I})));
    const bool saves_x = op == ReduceOp::Norm;
    autograd::record(name, {x_in}, {r.y},
                     [op, name, O = O, R = R, I = I, shape = x.shape(), x = saves_x ? x.detach() : Tensor(),
                      y = saves_x ? r.y.detach() : Tensor(), idx = r.idx](const std::vector<Tensor>& g) {
                         Tensor dy = g[0].contiguous();
                         Tensor dx = empty(shape, dy.dtype(), dy.device());
                         IMRAM_FLOAT_SWITCH(
                             dy.dtype(), name, T,
                             IMRAM_DISPATCH(dy.device(), reduce_bwd,
                                            (ReduceBwdArgs<T>{op, x.defined() ? x.data<T>() : nullptr,
                                                              y.defined() ? y.data<T>() : nullptr,
                                                              idx.defined() ? idx.data<std::int64_t>() : nullptr,
                                                              dy.data<T>(), dx.data<T>(), O, R, I})));
                         return std::vector<Tensor>{dx};
                     });
    return r;
}

Tensor reduce_dims(ReduceOp op, const char* name, const Tensor& x, std::vector<std::int64_t> dims, bool keepdim) {
    detail::check_floating(name, x);
    if (dims.empty()) {
        // All dims: reduce the flattened tensor, then give it the requested rank.
        Tensor flat = reshape(x, {x.numel()});
        Tensor r = reduce_dim(op, name, flat, 0, false).y;
        return keepdim ? reshape(r, Shape(x.dim(), 1)) : r;
    }
    for (auto& d : dims) d = wrap_dim(d, x.dim(), name);
    std::sort(dims.begin(), dims.end());
    IMRAM_CHECK(std::adjacent_find(dims.begin(), dims.end()) == dims.end(), name, ": repeated dim in the list");
    Tensor y = x;
    for (auto it = dims.rbegin(); it != dims.rend(); ++it) y = reduce_dim(op, name, y, *it, keepdim).y;
    return y;
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
    return reduce_dims(ReduceOp::Sum, "sum", x, dims, keepdim);
}

Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
    return reduce_dims(ReduceOp::Mean, "mean", x, dims, keepdim);
}

MaxResult max(const Tensor& x, std::int64_t dim, bool keepdim) {
    Reduced r = reduce_dim(ReduceOp::Max, "max", x, dim, keepdim);
    return {r.y, r.idx};
}

Tensor norm(const Tensor& x, std::int64_t dim, bool keepdim) {
    return reduce_dim(ReduceOp::Norm, "norm", x, dim, keepdim).y;
}

}  // namespace imram
