// SPDX-License-Identifier: MIT
// Layout ops. transpose, permute, expand, slice and reshape (of contiguous input) return views that
// share storage; the copying ones go through the copy_strided kernel.
#include <algorithm>
#include <numeric>

#include "core/ops/common.h"

namespace imram {

Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims) {
    IMRAM_CHECK(static_cast<int>(dims.size()) == x.dim(), "permute: got ", dims.size(), " dims for ", x.describe());
    std::vector<int> p(dims.size());
    std::vector<bool> seen(dims.size(), false);
    Shape shape(dims.size()), strides(dims.size());
    for (std::size_t i = 0; i < dims.size(); ++i) {
        p[i] = wrap_dim(dims[i], x.dim(), "permute");
        IMRAM_CHECK(!seen[p[i]], "permute: dim ", p[i], " repeated");
        seen[p[i]] = true;
        shape[i] = x.shape()[p[i]];
        strides[i] = x.strides()[p[i]];
    }
    Tensor out = make_view(x, shape, strides, x.offset());
    autograd::record("permute", {x}, {out}, [p](const std::vector<Tensor>& g) {
        std::vector<std::int64_t> inv(p.size());
        for (std::size_t i = 0; i < p.size(); ++i) inv[p[i]] = static_cast<std::int64_t>(i);
        return std::vector<Tensor>{permute(g[0], inv)};
    });
    return out;
}

Tensor transpose(const Tensor& x, std::int64_t d0, std::int64_t d1) {
    std::vector<std::int64_t> dims(x.dim());
    std::iota(dims.begin(), dims.end(), 0);
    std::swap(dims[wrap_dim(d0, x.dim(), "transpose")], dims[wrap_dim(d1, x.dim(), "transpose")]);
    return permute(x, dims);
}

Tensor contiguous(const Tensor& x) {
    if (x.is_contiguous()) return x;
    Tensor out = empty(x.shape(), x.dtype(), x.device());
    detail::copy_into(out, x);
    autograd::record("contiguous", {x}, {out}, [](const std::vector<Tensor>& g) { return std::vector<Tensor>{g[0]}; });
    return out;
}

Tensor clone(const Tensor& x) {
    Tensor out = empty(x.shape(), x.dtype(), x.device());
    detail::copy_into(out, x);
    autograd::record("clone", {x}, {out}, [](const std::vector<Tensor>& g) { return std::vector<Tensor>{g[0]}; });
    return out;
}

Tensor reshape(const Tensor& x, const Shape& shape_in) {
    Shape shape = shape_in;
    std::int64_t known = 1;
    int infer = -1;
    for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
        if (shape[i] == -1) {
            IMRAM_CHECK(infer < 0, "reshape: more than one -1 in ", shape_in);
            infer = i;
        } else {
            IMRAM_CHECK(shape[i] >= 0, "reshape: negative size in ", shape_in);
            known *= shape[i];
        }
    }
    if (infer >= 0) {
        IMRAM_CHECK(known > 0 && x.numel() % known == 0, "reshape: cannot infer -1 in ", shape_in, " for ",
                    x.describe());
        shape[infer] = x.numel() / known;
    }
    IMRAM_CHECK(shape_numel(shape) == x.numel(), "reshape: ", x.describe(), " has ", x.numel(), " elements, shape ",
                shape_in, " needs ", shape_numel(shape));
    const Tensor src = contiguous(x);
    Tensor out = make_view(src, shape, contiguous_strides(shape), src.offset());
    autograd::record("reshape", {src}, {out}, [in_shape = x.shape()](const std::vector<Tensor>& g) {
        return std::vector<Tensor>{reshape(g[0], in_shape)};
    });
    return out;
}

Tensor expand(const Tensor& x, const Shape& shape) {
    IMRAM_CHECK(static_cast<int>(shape.size()) >= x.dim(), "expand: cannot expand ", x.shape(), " to ", shape);
    const Strided l = detail::broadcast_layout(x, shape, "expand");
    Tensor out = make_view(x, shape, Shape(l.stride, l.stride + l.ndim), x.offset());
    autograd::record("expand", {x}, {out}, [in_shape = x.shape()](const std::vector<Tensor>& g) {
        return std::vector<Tensor>{detail::sum_to(g[0], in_shape)};
    });
    return out;
}

Tensor slice(const Tensor& x, std::int64_t dim_in, std::int64_t start, std::int64_t end, std::int64_t step) {
    const int dim = wrap_dim(dim_in, x.dim(), "slice");
    const std::int64_t n = x.shape()[dim];
    IMRAM_CHECK(step > 0, "slice: step must be positive, got ", step);
    if (start < 0) start += n;
    if (end < 0) end += n;
    end = std::min(end, n);
    IMRAM_CHECK(start >= 0 && start <= end, "slice: range [", start, ", ", end, ") is invalid for dim ", dim,
                " of size ", n, " in ", x.describe());
    Shape shape = x.shape(), strides = x.strides();
    shape[dim] = (end - start + step - 1) / step;
    strides[dim] *= step;
    Tensor out = make_view(x, shape, strides, x.offset() + start * x.strides()[dim]);
    autograd::record("slice", {x}, {out}, [in_shape = x.shape(), dim, start, end, step](const std::vector<Tensor>& g) {
        Tensor dx = zeros(in_shape, g[0].dtype(), g[0].device());
        detail::copy_into(slice(dx, dim, start, end, step), g[0]);
        return std::vector<Tensor>{dx};
    });
    return out;
}

Tensor cat(const std::vector<Tensor>& xs, std::int64_t dim_in) {
    IMRAM_CHECK(!xs.empty(), "cat: needs at least one tensor");
    const Tensor& x0 = xs[0];
    const int dim = wrap_dim(dim_in, x0.dim(), "cat");
    Shape shape = x0.shape();
    shape[dim] = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        detail::check_same("cat", x0, {xs[i]});
        Shape a = xs[i].shape(), b = x0.shape();
        IMRAM_CHECK(a.size() == b.size(), "cat: tensor ", i, " has shape ", a, ", tensor 0 has ", b);
        a[dim] = b[dim] = 0;
        IMRAM_CHECK(a == b, "cat: tensor ", i, " has shape ", xs[i].shape(), ", which differs from tensor 0's ",
                    x0.shape(), " outside dim ", dim);
        shape[dim] += xs[i].shape()[dim];
    }
    Tensor out = empty(shape, x0.dtype(), x0.device());
    std::vector<std::int64_t> starts;
    std::int64_t at = 0;
    {
        autograd::NoGradGuard no_grad;
        for (const Tensor& x : xs) {
            starts.push_back(at);
            detail::copy_into(slice(out, dim, at, at + x.shape()[dim]), x);
            at += x.shape()[dim];
        }
    }
    starts.push_back(at);
    autograd::record("cat", xs, {out}, [dim, starts](const std::vector<Tensor>& g) {
        std::vector<Tensor> gs;
        for (std::size_t i = 0; i + 1 < starts.size(); ++i)
            gs.push_back(contiguous(slice(g[0], dim, starts[i], starts[i + 1])));
        return gs;
    });
    return out;
}

Tensor unsqueeze(const Tensor& x, std::int64_t dim_in) {
    const int dim = wrap_dim(dim_in, x.dim() + 1, "unsqueeze");
    Shape s = x.shape();
    s.insert(s.begin() + dim, 1);
    return reshape(x, s);
}

Tensor squeeze(const Tensor& x, std::int64_t dim_in) {
    const int dim = wrap_dim(dim_in, x.dim(), "squeeze");
    IMRAM_CHECK(x.shape()[dim] == 1, "squeeze: dim ", dim, " of ", x.describe(), " is not 1");
    Shape s = x.shape();
    s.erase(s.begin() + dim);
    return reshape(x, s);
}

Tensor stack(const std::vector<Tensor>& xs, std::int64_t dim_in) {
    IMRAM_CHECK(!xs.empty(), "stack: needs at least one tensor");
    const int dim = wrap_dim(dim_in, xs[0].dim() + 1, "stack");
    std::vector<Tensor> us;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        IMRAM_CHECK(xs[i].shape() == xs[0].shape(), "stack: tensor ", i, " has shape ", xs[i].shape(),
                    ", tensor 0 has ", xs[0].shape());
        us.push_back(unsqueeze(xs[i], dim));
    }
    return cat(us, dim);
}

}  // namespace imram
