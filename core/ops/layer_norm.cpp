// SPDX-License-Identifier: MIT
// layer_norm: the fused front-end (validation, dispatch, backward) of PyTorch's LayerNorm over the last
// dim, which PCME's heads use (spec 1.2). The maths is in docs/ops.md#layer_norm.
#include "core/ops/common.h"

namespace imram {

Tensor layer_norm(const Tensor& x_in, const Tensor& weight_in, const Tensor& bias_in, double eps) {
    detail::check_floating("layer_norm", x_in);
    detail::check_same("layer_norm", x_in, {weight_in, bias_in});
    IMRAM_CHECK(x_in.dim() >= 1 && x_in.size(-1) > 0, "layer_norm: expected x of shape (..., D > 0), got ",
                x_in.describe());
    const std::int64_t D = x_in.size(-1), N = x_in.numel() / D;
    IMRAM_CHECK(weight_in.defined() == bias_in.defined(),
                "layer_norm: give both weight and bias (the affine form) or neither");
    if (weight_in.defined())
        IMRAM_CHECK(weight_in.shape() == Shape({D}) && bias_in.shape() == Shape({D}), "layer_norm: weight and bias must be (",
                    D, ") for x ", x_in.shape(), ", got ", weight_in.shape(), " and ", bias_in.shape());
    IMRAM_CHECK(eps > 0, "layer_norm: need eps > 0, got ", eps);
    const Tensor x = x_in.contiguous();
    const Tensor w = weight_in.defined() ? weight_in.contiguous() : Tensor();
    const Tensor b = bias_in.defined() ? bias_in.contiguous() : Tensor();
    Tensor y = empty_like(x);
    Tensor mean = empty({N}, x.dtype(), x.device()), rstd = empty({N}, x.dtype(), x.device());
    auto ptr = [](const Tensor& t, auto zero) { return t.defined() ? t.data<decltype(zero)>() : nullptr; };
    IMRAM_FLOAT_SWITCH(x.dtype(), "layer_norm", T,
                       IMRAM_DISPATCH(x.device(), layer_norm_fwd,
                                      (LayerNormArgs<T>{x.data<T>(), ptr(w, T{}), ptr(b, T{}), y.data<T>(),
                                                        mean.data<T>(), rstd.data<T>(), N, D, static_cast<T>(eps)})));
    std::vector<Tensor> inputs{x_in};
    if (w.defined()) inputs.insert(inputs.end(), {weight_in, bias_in});
    autograd::record("layer_norm", inputs, {y}, [x = x.detach(), w = w.defined() ? w.detach() : Tensor(), mean, rstd, N, D](
                                                    const std::vector<Tensor>& g) {
        const Tensor dy = g[0].contiguous();
        Tensor dx = empty_like(x);
        Tensor dw = w.defined() ? empty_like(w) : Tensor(), db = w.defined() ? empty_like(w) : Tensor();
        auto cptr = [](const Tensor& t, auto zero) { return t.defined() ? t.data<decltype(zero)>() : nullptr; };
        IMRAM_FLOAT_SWITCH(x.dtype(), "layer_norm", T,
                           IMRAM_DISPATCH(x.device(), layer_norm_bwd,
                                          (LayerNormBwdArgs<T>{x.data<T>(), cptr(w, T{}), mean.data<T>(),
                                                               rstd.data<T>(), dy.data<T>(), dx.data<T>(),
                                                               cptr(dw, T{}), cptr(db, T{}), N, D})));
        return w.defined() ? std::vector<Tensor>{dx, dw, db} : std::vector<Tensor>{dx};
    });
    return y;
}

}  // namespace imram
