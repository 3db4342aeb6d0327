// SPDX-License-Identifier: MIT
// Reference optimizer kernels: Adam and SGD (PyTorch's formulations) and the sum of squares for
// clipping.
#include <cmath>

#include "kernels/kernels.h"

namespace imram::ref {

template <class T>
void adam_step(const AdamArgs<T>& a) {
    const double bc1 = 1.0 - std::pow(a.beta1, static_cast<double>(a.step));
    const double bc2 = 1.0 - std::pow(a.beta2, static_cast<double>(a.step));
    const double step_size = a.lr / bc1, bc2_sqrt = std::sqrt(bc2);
    for (std::int64_t i = 0; i < a.n; ++i) {
        const T g = static_cast<T>(a.grad[i] * a.grad_scale);
        a.m[i] = static_cast<T>(a.beta1) * a.m[i] + static_cast<T>(1.0 - a.beta1) * g;
        a.v[i] = static_cast<T>(a.beta2) * a.v[i] + static_cast<T>(1.0 - a.beta2) * g * g;
        const T denom = std::sqrt(a.v[i]) / static_cast<T>(bc2_sqrt) + static_cast<T>(a.eps);
        a.param[i] -= static_cast<T>(step_size) * a.m[i] / denom;
    }
}

template <class T>
void sgd_step(const SgdArgs<T>& a) {
    const T lr = static_cast<T>(a.lr), mom = static_cast<T>(a.momentum), wd = static_cast<T>(a.weight_decay);
    for (std::int64_t i = 0; i < a.n; ++i) {
        T g = static_cast<T>(a.grad[i] * a.grad_scale);
        if (a.weight_decay != 0) g = g + wd * a.param[i];
        if (a.momentum != 0) {
            const T buf = a.first_step ? g : mom * a.buf[i] + g;  // PyTorch: clone at the first step
            a.buf[i] = buf;
            g = a.nesterov ? g + mom * buf : buf;
        }
        a.param[i] -= lr * g;
    }
}

template <class T>
void sum_squares(const SumSquaresArgs<T>& a) {
    double s = 0;
    for (std::int64_t i = 0; i < a.n; ++i) s += static_cast<double>(a.x[i]) * static_cast<double>(a.x[i]);
    *a.out = s;
}

template void adam_step(const AdamArgs<float>&);
template void adam_step(const AdamArgs<double>&);
template void sgd_step(const SgdArgs<float>&);
template void sgd_step(const SgdArgs<double>&);
template void sum_squares(const SumSquaresArgs<float>&);
template void sum_squares(const SumSquaresArgs<double>&);

}  // namespace imram::ref
