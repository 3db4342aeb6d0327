// SPDX-License-Identifier: MIT
// Adam and SGD, one step in place (PyTorch's formulations; kernels/args.h AdamArgs, SgdArgs).
//
// Adam (no weight decay): g = grad * grad_scale; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
//        p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps), the bias corrections
//        computed once on the host in double, as the reference does.
// SGD (dampening 0): g = grad * grad_scale + wd p; with momentum, buf = g at the first step, else
//        momentum buf + g, and g = nesterov ? g + momentum buf : buf; p -= lr g.
// Threads: one element per thread, grid-stride. Cost: Adam 4 reads + 3 writes of T per element;
//        SGD 3 reads + 2 writes with momentum (2 + 2 at the first step), 2 + 1 without.
#pragma once

#include <cmath>

#include "kernels/cuda/common.cuh"

namespace imram::IMRAM_CUDA_NS {

template <class T>
__global__ void adam_kernel(AdamArgs<T> a, T step_size, T bc2_sqrt) {
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < a.n;
         i += (std::int64_t)gridDim.x * blockDim.x) {
        const T g = static_cast<T>(a.grad[i] * a.grad_scale);
        const T m = static_cast<T>(a.beta1) * a.m[i] + static_cast<T>(1.0 - a.beta1) * g;
        const T v = static_cast<T>(a.beta2) * a.v[i] + static_cast<T>(1.0 - a.beta2) * g * g;
        a.m[i] = m;
        a.v[i] = v;
        const T denom = d_sqrt(v) / bc2_sqrt + static_cast<T>(a.eps);
        a.param[i] -= step_size * m / denom;
    }
}

template <class T>
void adam_step(const AdamArgs<T>& a) {
    if (a.n == 0) return;
    const double bc1 = 1.0 - std::pow(a.beta1, static_cast<double>(a.step));
    const double bc2 = 1.0 - std::pow(a.beta2, static_cast<double>(a.step));
    IMRAM_LAUNCH(adam_kernel<T>, grid_for(a.n), kThreads, 0, a, static_cast<T>(a.lr / bc1),
                 static_cast<T>(std::sqrt(bc2)));
}

template <class T>
__global__ void sgd_kernel(SgdArgs<T> a) {
    const T lr = static_cast<T>(a.lr), mom = static_cast<T>(a.momentum), wd = static_cast<T>(a.weight_decay);
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < a.n;
         i += (std::int64_t)gridDim.x * blockDim.x) {
        T g = static_cast<T>(a.grad[i] * a.grad_scale);
        if (a.weight_decay != 0) g = g + wd * a.param[i];
        if (a.momentum != 0) {
            const T buf = a.first_step ? g : mom * a.buf[i] + g;
            a.buf[i] = buf;
            g = a.nesterov ? g + mom * buf : buf;
        }
        a.param[i] -= lr * g;
    }
}

template <class T>
void sgd_step(const SgdArgs<T>& a) {
    if (a.n == 0) return;
    IMRAM_LAUNCH(sgd_kernel<T>, grid_for(a.n), kThreads, 0, a);
}

template void adam_step(const AdamArgs<float>&);
template void adam_step(const AdamArgs<double>&);
template void sgd_step(const SgdArgs<float>&);
template void sgd_step(const SgdArgs<double>&);

}  // namespace imram::IMRAM_CUDA_NS
