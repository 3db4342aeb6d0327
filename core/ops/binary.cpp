// SPDX-License-Identifier: MIT
// add, sub, mul, div with NumPy broadcasting. Backward composes other ops and sums each gradient back
// to its input's shape (sum_to), so it runs on every backend that has the forward kernels.
#include "core/ops/common.h"

namespace imram {
namespace {

using autograd::record;
using detail::sum_to;

Tensor binary_forward(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
    detail::check_floating(name, a);
    detail::check_floating(name, b);
    detail::check_same(name, a, {b});
    const Shape out_shape = broadcast_shapes(a.shape(), b.shape(), name);
    Tensor out = empty(out_shape, a.dtype(), a.device());
    const Strided la = detail::broadcast_layout(a, out_shape, name);
    const Strided lb = detail::broadcast_layout(b, out_shape, name);
    IMRAM_FLOAT_SWITCH(
        a.dtype(), name, T,
        IMRAM_DISPATCH(a.device(), binary, (BinaryArgs<T>{op, a.data<T>(), la, b.data<T>(), lb, out.data<T>()})));
    return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
    Tensor out = binary_forward(BinaryOp::Add, "add", a, b);
    record("add", {a, b}, {out}, [sa = a.shape(), sb = b.shape()](const std::vector<Tensor>& g) {
        return std::vector<Tensor>{sum_to(g[0], sa), sum_to(g[0], sb)};
    });
    return out;
}

void add_(Tensor& acc, const Tensor& g) {
    detail::check_floating("add_", acc);
    detail::check_same("add_", acc, {g});
    IMRAM_CHECK(acc.is_contiguous() && g.shape() == acc.shape(), "add_: the accumulator must be contiguous and of g's "
                "shape, got ", acc.describe(), " and g ", g.describe());
    IMRAM_CHECK(!autograd::grad_enabled() || (!acc.requires_grad() && !g.requires_grad()),
                "add_: in place, so never on the tape; got ", acc.describe(), " and g ", g.describe());
    // The binary kernel with its output on its first input: every backend reads a[i] and b[i] before it
    // writes out[i], and nothing else, so the aliasing is safe.
    const Strided la = detail::broadcast_layout(acc, acc.shape(), "add_");
    const Strided lg = detail::broadcast_layout(g, acc.shape(), "add_");
    IMRAM_FLOAT_SWITCH(
        acc.dtype(), "add_", T,
        IMRAM_DISPATCH(acc.device(), binary, (BinaryArgs<T>{BinaryOp::Add, acc.data<T>(), la, g.data<T>(), lg, acc.data<T>()})));
}

Tensor sub(const Tensor& a, const Tensor& b) {
    Tensor out = binary_forward(BinaryOp::Sub, "sub", a, b);
    record("sub", {a, b}, {out}, [sa = a.shape(), sb = b.shape()](const std::vector<Tensor>& g) {
        return std::vector<Tensor>{sum_to(g[0], sa), neg(sum_to(g[0], sb))};
    });
    return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
    Tensor out = binary_forward(BinaryOp::Mul, "mul", a, b);
    const bool ga = a.requires_grad(), gb = b.requires_grad();
    // Save only what the other side's gradient needs.
    record("mul", {a, b}, {out},
           [sa = a.shape(), sb = b.shape(), a = gb ? a.detach() : Tensor(),
            b = ga ? b.detach() : Tensor()](const std::vector<Tensor>& g) {
               return std::vector<Tensor>{b.defined() ? sum_to(mul(g[0], b), sa) : Tensor(),
                                          a.defined() ? sum_to(mul(g[0], a), sb) : Tensor()};
           });
    return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
    Tensor out = binary_forward(BinaryOp::Div, "div", a, b);
    // d(a/b)/da = 1/b, d(a/b)/db = -out/b
    record("div", {a, b}, {out},
           [sa = a.shape(), sb = b.shape(), b = b.detach(), out = out.detach(),
            gb = b.requires_grad()](const std::vector<Tensor>& g) {
               Tensor g_over_b = div(g[0], b);
               return std::vector<Tensor>{sum_to(g_over_b, sa), gb ? neg(sum_to(mul(g_over_b, out), sb)) : Tensor()};
           });
    return out;
}

Tensor scalar_like(const Tensor& like, double v) {
    return full({}, v, like.dtype(), like.device());
}
Tensor add(const Tensor& a, double b) {
    return add(a, scalar_like(a, b));
}
Tensor mul(const Tensor& a, double b) {
    return mul(a, scalar_like(a, b));
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
    IMRAM_CHECK(cond.defined() && cond.dtype() == DType::Bool, "where: cond must be a bool tensor, got ",
                cond.describe());
    detail::check_floating("where", a);
    detail::check_same("where", a, {b});
    IMRAM_CHECK(cond.device() == a.device(), "where: cond on ", cond.device(), " but values on ", a.device());
    const Shape out_shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
    Tensor out = empty(out_shape, a.dtype(), a.device());
    const Strided lc = detail::broadcast_layout(cond, out_shape, "where");
    const Strided la = detail::broadcast_layout(a, out_shape, "where");
    const Strided lb = detail::broadcast_layout(b, out_shape, "where");
    IMRAM_FLOAT_SWITCH(
        a.dtype(), "where", T,
        IMRAM_DISPATCH(a.device(), where,
                       (WhereArgs<T>{cond.data<std::uint8_t>(), lc, a.data<T>(), la, b.data<T>(), lb, out.data<T>()})));
    record("where", {a, b}, {out}, [cond, sa = a.shape(), sb = b.shape()](const std::vector<Tensor>& g) {
        Tensor z = scalar_like(g[0], 0.0);
        return std::vector<Tensor>{sum_to(where(cond, g[0], z), sa), sum_to(where(cond, z, g[0]), sb)};
    });
    return out;
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
    detail::check_floating("masked_fill", x);
    IMRAM_CHECK(broadcast_shapes(mask.shape(), x.shape(), "masked_fill") == x.shape(), "masked_fill: mask ",
                mask.shape(), " must broadcast to x ", x.shape());
    return where(mask, scalar_like(x, value), x);
}

}  // namespace imram
