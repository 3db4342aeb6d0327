// SPDX-License-Identifier: MIT
// The optimizer's kernels behind front-ends: the sum of squares of gradient clipping, the Adam step
// and the SGD step (train/optim.cpp). Not differentiable; the steps write their tensors in place.
#include <cmath>

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

void sgd_step_(Tensor& param, const Tensor& grad, Tensor& momentum_buffer, const SgdStep& s) {
    detail::check_floating("sgd_step_", param);
    IMRAM_CHECK(grad.defined(), "sgd_step_: got an undefined gradient for param ", param.describe());
    const bool uses_buffer = s.momentum != 0;
    IMRAM_CHECK(!uses_buffer || momentum_buffer.defined(),
                "sgd_step_: momentum ", s.momentum, " needs a momentum buffer of the parameter's shape, got none");
    detail::check_same("sgd_step_", param, {grad, uses_buffer ? momentum_buffer : Tensor()});
    IMRAM_CHECK(param.is_contiguous() && grad.is_contiguous() && grad.shape() == param.shape(),
                "sgd_step_: param and grad must be contiguous and of one shape, got param ", param.describe(),
                " and grad ", grad.describe());
    if (uses_buffer)
        IMRAM_CHECK(momentum_buffer.is_contiguous() && momentum_buffer.shape() == param.shape(),
                    "sgd_step_: the momentum buffer must be contiguous and of the parameter's shape, got param ",
                    param.describe(), " and buffer ", momentum_buffer.describe());
    IMRAM_CHECK(s.lr >= 0 && s.momentum >= 0 && s.weight_decay >= 0 && std::isfinite(s.grad_scale),
                "sgd_step_: need lr >= 0, momentum >= 0, weight_decay >= 0 and a finite grad_scale; got lr ", s.lr,
                ", momentum ", s.momentum, ", weight_decay ", s.weight_decay, ", grad_scale ", s.grad_scale);
    IMRAM_CHECK(!s.nesterov || s.momentum > 0,
                "sgd_step_: Nesterov momentum needs momentum > 0 (dampening is always 0), got momentum ", s.momentum);
    IMRAM_FLOAT_SWITCH(param.dtype(), "sgd_step_", T,
                       IMRAM_DISPATCH(param.device(), sgd_step,
                                      (SgdArgs<T>{param.data<T>(), grad.data<T>(),
                                                  uses_buffer ? momentum_buffer.data<T>() : nullptr, param.numel(),
                                                  s.lr, s.momentum, s.weight_decay, s.grad_scale, s.nesterov,
                                                  s.first_step})));
}

}  // namespace imram
