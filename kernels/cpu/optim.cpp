// SPDX-License-Identifier: MIT
// CPU optimizer kernels: the same element formula as the reference, split over threads. Every
// element is independent, so the result is bitwise the reference's; the sum of squares reduces per
// thread in double.
#include <cmath>

#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"

namespace imram::cpu {

template <class T>
void adam_step(const AdamArgs<T>& a) {
    const double bc1 = 1.0 - std::pow(a.beta1, static_cast<double>(a.step));
    const double bc2 = 1.0 - std::pow(a.beta2, static_cast<double>(a.step));
    const T step_size = static_cast<T>(a.lr / bc1), bc2_sqrt = static_cast<T>(std::sqrt(bc2));
    const T b1 = static_cast<T>(a.beta1), b2 = static_cast<T>(a.beta2), eps = static_cast<T>(a.eps);
    const T c1 = static_cast<T>(1.0 - a.beta1), c2 = static_cast<T>(1.0 - a.beta2);
    const double scale = a.grad_scale;
#pragma omp parallel for schedule(static) if (a.n > kOmpMinWork)
    for (std::int64_t i = 0; i < a.n; ++i) {
        const T g = static_cast<T>(a.grad[i] * scale);
        const T m = b1 * a.m[i] + c1 * g;
        const T v = b2 * a.v[i] + c2 * g * g;
        a.m[i] = m;
        a.v[i] = v;
        a.param[i] -= step_size * m / (std::sqrt(v) / bc2_sqrt + eps);
    }
}

template <class T>
void sgd_step(const SgdArgs<T>& a) {
    const T lr = static_cast<T>(a.lr), mom = static_cast<T>(a.momentum), wd = static_cast<T>(a.weight_decay);
    const double scale = a.grad_scale;
    const bool decay = a.weight_decay != 0, momentum = a.momentum != 0, nesterov = a.nesterov, first = a.first_step;
#pragma omp parallel for schedule(static) if (a.n > kOmpMinWork)
    for (std::int64_t i = 0; i < a.n; ++i) {
        T g = static_cast<T>(a.grad[i] * scale);
        if (decay) g = g + wd * a.param[i];
        if (momentum) {
            const T buf = first ? g : mom * a.buf[i] + g;
            a.buf[i] = buf;
            g = nesterov ? g + mom * buf : buf;
        }
        a.param[i] -= lr * g;
    }
}

template <class T>
void sum_squares(const SumSquaresArgs<T>& a) {
    double s = 0;
#pragma omp parallel for reduction(+ : s) schedule(static) if (a.n > kOmpMinWork)
    for (std::int64_t i = 0; i < a.n; ++i) s += static_cast<double>(a.x[i]) * static_cast<double>(a.x[i]);
    *a.out = s;
}

template void adam_step(const AdamArgs<float>&);
template void adam_step(const AdamArgs<double>&);
template void sgd_step(const SgdArgs<float>&);
template void sgd_step(const SgdArgs<double>&);
template void sum_squares(const SumSquaresArgs<float>&);
template void sum_squares(const SumSquaresArgs<double>&);

}  // namespace imram::cpu
