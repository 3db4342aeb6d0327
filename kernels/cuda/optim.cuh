// SPDX-License-Identifier: MIT
// Adam, one step in place (PyTorch's formulation, no weight decay; kernels/args.h AdamArgs).
//
// Maths: g = grad * grad_scale; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
//        p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps), the bias corrections
//        computed once on the host in double, as the reference does.
// Threads: one element per thread, grid-stride. Cost: 4 reads + 3 writes of T per element.
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

template void adam_step(const AdamArgs<float>&);
template void adam_step(const AdamArgs<double>&);

}  // namespace imram::IMRAM_CUDA_NS
