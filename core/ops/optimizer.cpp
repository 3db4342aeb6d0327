// SPDX-License-Identifier: MIT
// The optimizer's two kernels behind front-ends: the sum of squares of gradient clipping and the Adam
// step (train/optim.cpp). Not differentiable; the Adam step writes its three tensors in place.
#include "core/ops/common.h"

namespace imram {

double sum_squares(const Tensor& x_in) {
    detail::check_floating("sum_squares", x_in);
    const Tensor x = x_in.detach().contiguous();
    double out = 0;
    IMRAM_FLOAT_SWITCH(x.dtype(), "sum_squares", T,
                       IMRAM_DISPATCH(x.device(), sum_squares, (SumSquaresArgs<T>{x.data<T>(), x.numel(), &out})));
    return out;
}

void adam_step_(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamStep& s) {
    detail::check_floating("adam_step_", param);
    detail::check_same("adam_step_", param, {grad, m, v});
    for (const Tensor* t : {static_cast<const Tensor*>(&param), &grad, static_cast<const Tensor*>(&m), static_cast<const Tensor*>(&v)})
        IMRAM_CHECK(t->is_contiguous() && t->shape() == param.shape(),
                    "adam_step_: param, grad, m and v must be contiguous and of one shape, got param ",
                    param.describe(), " and ", t->describe());
    IMRAM_CHECK(s.step >= 1 && s.lr >= 0 && s.beta1 >= 0 && s.beta1 < 1 && s.beta2 >= 0 && s.beta2 < 1 && s.eps > 0,
                "adam_step_: need step >= 1, lr >= 0, betas in [0, 1), eps > 0; got step ", s.step, ", lr ", s.lr,
                ", betas ", s.beta1, " ", s.beta2, ", eps ", s.eps);
    IMRAM_FLOAT_SWITCH(param.dtype(), "adam_step_", T,
                       IMRAM_DISPATCH(param.device(), adam_step,
                                      (AdamArgs<T>{param.data<T>(), grad.data<T>(), m.data<T>(), v.data<T>(),
                                                   param.numel(), s.lr, s.beta1, s.beta2, s.eps, s.grad_scale,
                                                   s.step})));
}

}  // namespace imram
