// SPDX-License-Identifier: MIT
// LayerNorm over the last dim (docs/ops.md#layer_norm), forward and backward, PyTorch's semantics.
//
// Maths, per row n of x (N, D): mean, biased variance, rstd = 1 / sqrt(var + eps), xh = (x - mean) rstd,
//   y = xh w + b (or xh). Backward with g = dy w (or dy): dx = rstd (g - mean(g) - xh mean(g xh));
//   dw = sum over rows of dy xh, db = sum over rows of dy.
// Threads: forward and dx, one 128-thread block per row (block all-reduces for the two means; each
//          thread owns the columns k = tid + 128 j). dw and db: one thread per column looping over the
//          rows in order, so no value has two writers and the sum's order is fixed.
// Cost: forward reads x twice and writes y; backward reads x and dy twice per row and once more for
//       dw and db. Bandwidth-bound: PCME's heads normalise B rows of D = 1024, a few microseconds.
#pragma once

#include "kernels/cuda/common.cuh"

namespace imram::IMRAM_CUDA_NS {

template <class T>
__global__ void layer_norm_fwd_kernel(LayerNormArgs<T> a) {
    __shared__ T scratch[32];
    const std::int64_t D = a.D, n = blockIdx.x;
    const T* x = a.x + n * D;
    T s = 0;
    for (std::int64_t k = threadIdx.x; k < D; k += blockDim.x) s += x[k];
    const T mu = block_allreduce(s, SumOp{}, T(0), scratch) / static_cast<T>(D);
    T v = 0;
    for (std::int64_t k = threadIdx.x; k < D; k += blockDim.x) v += (x[k] - mu) * (x[k] - mu);
    const T rstd = T(1) / d_sqrt(block_allreduce(v, SumOp{}, T(0), scratch) / static_cast<T>(D) + a.eps);
    if (threadIdx.x == 0) a.mean[n] = mu, a.rstd[n] = rstd;
    T* y = a.y + n * D;
    for (std::int64_t k = threadIdx.x; k < D; k += blockDim.x) {
        const T xh = (x[k] - mu) * rstd;
        y[k] = a.weight ? xh * a.weight[k] + a.bias[k] : xh;
    }
}

template <class T>
__global__ void layer_norm_bwd_dx_kernel(LayerNormBwdArgs<T> a) {
    __shared__ T scratch[32];
    const std::int64_t D = a.D, n = blockIdx.x;
    const T* x = a.x + n * D;
    const T* dy = a.dy + n * D;
    const T mu = a.mean[n], rstd = a.rstd[n];
    T mg = 0, mgx = 0;
    for (std::int64_t k = threadIdx.x; k < D; k += blockDim.x) {
        const T g = a.weight ? dy[k] * a.weight[k] : dy[k];
        mg += g;
        mgx += g * (x[k] - mu) * rstd;
    }
    mg = block_allreduce(mg, SumOp{}, T(0), scratch) / static_cast<T>(D);
    mgx = block_allreduce(mgx, SumOp{}, T(0), scratch) / static_cast<T>(D);
    for (std::int64_t k = threadIdx.x; k < D; k += blockDim.x) {
        const T g = a.weight ? dy[k] * a.weight[k] : dy[k];
        a.dx[n * D + k] = rstd * (g - mg - (x[k] - mu) * rstd * mgx);
    }
}

template <class T>
__global__ void layer_norm_bwd_affine_kernel(LayerNormBwdArgs<T> a) {
    const std::int64_t D = a.D, stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t d = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; d < D; d += stride) {
        T dw = 0, db = 0;
        for (std::int64_t n = 0; n < a.N; ++n) {
            const T dy = a.dy[n * D + d];
            dw += dy * (a.x[n * D + d] - a.mean[n]) * a.rstd[n];
            db += dy;
        }
        a.dweight[d] = dw;
        a.dbias[d] = db;
    }
}

template <class T>
void layer_norm_fwd(const LayerNormArgs<T>& a) {
    if (a.N == 0 || a.D == 0) return;
    IMRAM_GPU_CHECK(a.N <= 0x7fffffff, "layer_norm: ", a.N, " rows exceed one grid dimension");
    IMRAM_LAUNCH(layer_norm_fwd_kernel<T>, static_cast<unsigned>(a.N), kRowThreads, 0, a);
}

template <class T>
void layer_norm_bwd(const LayerNormBwdArgs<T>& a) {
    if (a.D == 0) return;
    IMRAM_GPU_CHECK(a.N <= 0x7fffffff, "layer_norm: ", a.N, " rows exceed one grid dimension");
    if (a.N > 0) IMRAM_LAUNCH(layer_norm_bwd_dx_kernel<T>, static_cast<unsigned>(a.N), kRowThreads, 0, a);
    if (a.dweight) IMRAM_LAUNCH(layer_norm_bwd_affine_kernel<T>, grid_for(a.D), kThreads, 0, a);
}

template void layer_norm_fwd(const LayerNormArgs<float>&);
template void layer_norm_fwd(const LayerNormArgs<double>&);
template void layer_norm_bwd(const LayerNormBwdArgs<float>&);
template void layer_norm_bwd(const LayerNormBwdArgs<double>&);

}  // namespace imram::IMRAM_CUDA_NS
