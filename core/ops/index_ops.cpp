// SPDX-License-Identifier: MIT
// index_select, gather, embedding. Backward scatter-adds into zeros (index_add / scatter_add kernels),
// so repeated indices accumulate their gradients.
#include "core/ops/common.h"

namespace imram {
namespace {

Tensor select_rows(const char* name, const Tensor& x_in, int dim, const Tensor& idx, const Shape& out_shape) {
    const Tensor x = x_in.contiguous();
    const auto [O, R, I] = detail::split_at(x.shape(), dim);
    const std::int64_t n = idx.numel();
    Tensor out = empty(out_shape, x.dtype(), x.device());
    IMRAM_FLOAT_SWITCH(x.dtype(), name, T,
                       IMRAM_DISPATCH(x.device(), index_select,
                                      (IndexArgs<T>{x.data<T>(), nullptr, idx.data<std::int64_t>(), nullptr,
                                                    out.data<T>(), O, R, n, I})));
    autograd::record(
        name, {x_in}, {out}, [name, in_shape = x.shape(), idx, O = O, R = R, n, I = I](const std::vector<Tensor>& g) {
            Tensor dy = g[0].contiguous();
            Tensor dx = zeros(in_shape, dy.dtype(), dy.device());
            IMRAM_FLOAT_SWITCH(dy.dtype(), name, T,
                               IMRAM_DISPATCH(dy.device(), index_add,
                                              (IndexArgs<T>{nullptr, dx.data<T>(), idx.data<std::int64_t>(),
                                                            dy.data<T>(), nullptr, O, R, n, I})));
            return std::vector<Tensor>{dx};
        });
    return out;
}

}  // namespace

Tensor index_select(const Tensor& x, std::int64_t dim_in, const Tensor& idx_in) {
    detail::check_floating("index_select", x);
    const int dim = wrap_dim(dim_in, x.dim(), "index_select");
    IMRAM_CHECK(idx_in.dim() == 1, "index_select: indices must be 1-d, got ", idx_in.describe());
    const Tensor idx = detail::checked_indices("index_select", idx_in, x.shape()[dim], x.device());
    Shape out_shape = x.shape();
    out_shape[dim] = idx.numel();
    return select_rows("index_select", x, dim, idx, out_shape);
}

Tensor embedding(const Tensor& weight, const Tensor& ids) {
    detail::check_floating("embedding", weight);
    IMRAM_CHECK(weight.dim() == 2, "embedding: weight must be (V, D), got ", weight.describe());
    const Tensor idx = detail::checked_indices("embedding", ids, weight.size(0), weight.device());
    Shape out_shape = ids.shape();
    out_shape.push_back(weight.size(1));
    return select_rows("embedding", weight, 0, reshape(idx, {idx.numel()}), out_shape);
}

Tensor gather(const Tensor& x_in, std::int64_t dim_in, const Tensor& idx_in) {
    detail::check_floating("gather", x_in);
    const int dim = wrap_dim(dim_in, x_in.dim(), "gather");
    IMRAM_CHECK(idx_in.dim() == x_in.dim(), "gather: indices must have x's rank, got ", idx_in.describe(), " for ",
                x_in.describe());
    for (int i = 0; i < x_in.dim(); ++i)
        IMRAM_CHECK(i == dim || idx_in.shape()[i] == x_in.shape()[i], "gather: indices ", idx_in.shape(),
                    " must match x ", x_in.shape(), " outside dim ", dim);
    const Tensor x = x_in.contiguous();
    const Tensor idx = detail::checked_indices("gather", idx_in, x.shape()[dim], x_in.device());
    const auto [O, R, I] = detail::split_at(x.shape(), dim);
    const std::int64_t n = idx.shape()[dim];
    Tensor out = empty(idx.shape(), x.dtype(), x.device());
    IMRAM_FLOAT_SWITCH(x.dtype(), "gather", T,
                       IMRAM_DISPATCH(x.device(), gather,
                                      (GatherArgs<T>{x.data<T>(), nullptr, idx.data<std::int64_t>(), nullptr,
                                                     out.data<T>(), O, R, n, I})));
    autograd::record(
        "gather", {x_in}, {out}, [in_shape = x.shape(), idx, O = O, R = R, n, I = I](const std::vector<Tensor>& g) {
            Tensor dy = g[0].contiguous();
            Tensor dx = zeros(in_shape, dy.dtype(), dy.device());
            IMRAM_FLOAT_SWITCH(dy.dtype(), "gather", T,
                               IMRAM_DISPATCH(dy.device(), scatter_add,
                                              (GatherArgs<T>{nullptr, dx.data<T>(), idx.data<std::int64_t>(),
                                                             dy.data<T>(), nullptr, O, R, n, I})));
            return std::vector<Tensor>{dx};
        });
    return out;
}

}  // namespace imram
