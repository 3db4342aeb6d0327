// SPDX-License-Identifier: MIT
// Reparameterised Gaussian draws of PCME (docs/ops.md#gaussian_sample), forward and backward.
//
// Maths, for item n, draw k, column d: z[n, k, d] = mu[n, d] + exp(logsig[n, d]) eps[n, k, d];
//   backward: dmu[n, d] = sum_k dz[n, k, d]; dlogsig[n, d] = exp(logsig[n, d]) sum_k dz[n, k, d] eps[n, k, d].
// Threads: grid-stride over the N x D (item, column) elements, each looping over its K draws, so the
//          reads and writes of a warp are consecutive columns (coalesced) and the backward's sums over
//          k have one owner each (no atomics, a fixed order).
// Cost: forward reads 2 N D + N K D and writes N K D values; backward reads N D + 2 N K D and writes
//       2 N D. Bandwidth-bound: PCME's B x K x D = 128 x 7 x 1024 draws are ~7 MB, a few microseconds.
#pragma once

#include "kernels/cuda/common.cuh"

namespace imram::IMRAM_CUDA_NS {

template <class T>
__global__ void gaussian_sample_fwd_kernel(GaussianSampleArgs<T> a) {
    const std::int64_t total = a.N * a.D, stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
        const std::int64_t n = i / a.D, d = i - n * a.D;
        const T mu = a.mu[i], sigma = d_exp(a.logsig[i]);
        for (std::int64_t k = 0; k < a.K; ++k) {
            const std::int64_t j = (n * a.K + k) * a.D + d;
            a.z[j] = mu + sigma * a.eps[j];
        }
    }
}

template <class T>
__global__ void gaussian_sample_bwd_kernel(GaussianSampleBwdArgs<T> a) {
    const std::int64_t total = a.N * a.D, stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
        const std::int64_t n = i / a.D, d = i - n * a.D;
        T s = 0, se = 0;
        for (std::int64_t k = 0; k < a.K; ++k) {
            const std::int64_t j = (n * a.K + k) * a.D + d;
            s += a.dz[j];
            se += a.dz[j] * a.eps[j];
        }
        a.dmu[i] = s;
        a.dlogsig[i] = d_exp(a.logsig[i]) * se;
    }
}

template <class T>
void gaussian_sample_fwd(const GaussianSampleArgs<T>& a) {
    if (a.N * a.D == 0) return;
    IMRAM_LAUNCH(gaussian_sample_fwd_kernel<T>, grid_for(a.N * a.D), kThreads, 0, a);
}

template <class T>
void gaussian_sample_bwd(const GaussianSampleBwdArgs<T>& a) {
    if (a.N * a.D == 0) return;
    IMRAM_LAUNCH(gaussian_sample_bwd_kernel<T>, grid_for(a.N * a.D), kThreads, 0, a);
}

template void gaussian_sample_fwd(const GaussianSampleArgs<float>&);
template void gaussian_sample_fwd(const GaussianSampleArgs<double>&);
template void gaussian_sample_bwd(const GaussianSampleBwdArgs<float>&);
template void gaussian_sample_bwd(const GaussianSampleBwdArgs<double>&);

}  // namespace imram::IMRAM_CUDA_NS
