// SPDX-License-Identifier: MIT
// Elementwise unary ops. Forward and backward are both kernels (unary_fwd / unary_bwd), so the
// derivative of each function lives next to the function in every backend.
#include "core/ops/common.h"

namespace imram {
namespace {

Tensor unary(UnaryOp op, const char* name, const Tensor& x_in, double p0 = 0, double p1 = 0) {
    detail::check_floating(name, x_in);
    Tensor x = x_in.contiguous();
    Tensor y = empty_like(x);
    IMRAM_FLOAT_SWITCH(x.dtype(), name, T,
                       IMRAM_DISPATCH(x.device(), unary_fwd,
                                      (UnaryArgs<T>{op, x.data<T>(), y.data<T>(), x.numel(), static_cast<T>(p0),
                                                    static_cast<T>(p1)})));
    autograd::record(
        name, {x_in}, {y}, [op, name, x = x.detach(), y = y.detach(), p0, p1](const std::vector<Tensor>& g) {
            Tensor dy = g[0].contiguous();
            Tensor dx = empty_like(x);
            IMRAM_FLOAT_SWITCH(x.dtype(), name, T,
                               IMRAM_DISPATCH(x.device(), unary_bwd,
                                              (UnaryBwdArgs<T>{op, x.data<T>(), y.data<T>(), dy.data<T>(), dx.data<T>(),
                                                               x.numel(), static_cast<T>(p0), static_cast<T>(p1)})));
            return std::vector<Tensor>{dx};
        });
    return y;
}

}  // namespace

Tensor neg(const Tensor& x) {
    return unary(UnaryOp::Neg, "neg", x);
}
Tensor exp(const Tensor& x) {
    return unary(UnaryOp::Exp, "exp", x);
}
Tensor log(const Tensor& x) {
    return unary(UnaryOp::Log, "log", x);
}
Tensor sqrt(const Tensor& x) {
    return unary(UnaryOp::Sqrt, "sqrt", x);
}
Tensor tanh(const Tensor& x) {
    return unary(UnaryOp::Tanh, "tanh", x);
}
Tensor sigmoid(const Tensor& x) {
    return unary(UnaryOp::Sigmoid, "sigmoid", x);
}
Tensor relu(const Tensor& x) {
    return unary(UnaryOp::Relu, "relu", x);
}
Tensor leaky_relu(const Tensor& x, double slope) {
    return unary(UnaryOp::LeakyRelu, "leaky_relu", x, slope);
}
Tensor pow(const Tensor& x, double p) {
    return unary(UnaryOp::Pow, "pow", x, p);
}
Tensor clamp(const Tensor& x, double lo, double hi) {
    IMRAM_CHECK(lo <= hi, "clamp: lo (", lo, ") must not exceed hi (", hi, ")");
    return unary(UnaryOp::Clamp, "clamp", x, lo, hi);
}

}  // namespace imram
