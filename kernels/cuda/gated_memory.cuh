// SPDX-License-Identifier: MIT
// IMRAM gated memory distillation (docs/ops.md#gated_memory), forward and backward.
//
// Maths, per row n of q (N, D), pre (N, 2D) = W [q; c] + b from a GEMM:
//   o = tanh(pre[:D]), g = sigmoid(pre[D:]), u = g q + (1 - g) o, y = u / (|u| + eps) (or y = u)
//   backward: du = dy, or dy / (n + eps) - y <dy, y> / n through the l2norm (0 when n = 0);
//             dq = du g;  dpre[:D] = du (1 - g)(1 - o^2);  dpre[D:] = du (q - o) g (1 - g)
// Threads: one 128-thread block per row; each thread owns the columns k = tid + 128 j, so the
//          rescale after the norm's block all-reduce touches only the thread's own writes.
// Cost: forward reads 3D and writes D values (+1 norm), backward reads 5D and writes 3D; ~20
//       FLOPs per column with tanh/exp. Bandwidth-bound: at N = 128 x 36 rows of D = 1024 that is
//       ~75 MB per call, ~25 us on an H100.
#pragma once

#include "kernels/cuda/common.cuh"

namespace imram::IMRAM_CUDA_NS {

template <class T>
__global__ void gated_memory_fwd_kernel(GatedMemoryArgs<T> a) {
    __shared__ T scratch[32];
    const std::int64_t D = a.D, n = blockIdx.x;
    const T* q = a.q + n * D;
    const T* pre = a.pre + n * 2 * D;
    T* y = a.y + n * D;
    T ss = 0;
    for (std::int64_t k = threadIdx.x; k < D; k += blockDim.x) {
        const T o = d_tanh(pre[k]);
        const T g = T(1) / (T(1) + d_exp(-pre[D + k]));
        const T u = o + g * (q[k] - o);  // g q + (1 - g) o
        y[k] = u;
        ss += u * u;
    }
    if (!a.normalize) return;  // uniform across the block: no barrier is skipped by some threads only
    const T nrm = d_sqrt(block_allreduce(ss, SumOp{}, T(0), scratch));
    if (threadIdx.x == 0) a.norm[n] = nrm;
    for (std::int64_t k = threadIdx.x; k < D; k += blockDim.x) y[k] /= nrm + a.eps;
}

template <class T>
__global__ void gated_memory_bwd_kernel(GatedMemoryBwdArgs<T> a) {
    __shared__ T scratch[32];
    const std::int64_t D = a.D, n = blockIdx.x;
    const T* q = a.q + n * D;
    const T* pre = a.pre + n * 2 * D;
    const T* dy = a.dy + n * D;
    const T* y = a.y + n * D;
    T* dq = a.dq + n * D;
    T* dpre = a.dpre + n * 2 * D;
    T s = 0, nrm = 0;
    if (a.normalize) {
        for (std::int64_t k = threadIdx.x; k < D; k += blockDim.x) s += dy[k] * y[k];
        s = block_allreduce(s, SumOp{}, T(0), scratch);
        nrm = a.norm[n];
    }
    for (std::int64_t k = threadIdx.x; k < D; k += blockDim.x) {
        const T du = a.normalize ? dy[k] / (nrm + a.eps) - (nrm > T(0) ? y[k] * s / nrm : T(0)) : dy[k];
        const T o = d_tanh(pre[k]);
        const T g = T(1) / (T(1) + d_exp(-pre[D + k]));
        dq[k] = du * g;
        dpre[k] = du * (T(1) - g) * (T(1) - o * o);
        dpre[D + k] = du * (q[k] - o) * g * (T(1) - g);
    }
}

template <class T>
void gated_memory_fwd(const GatedMemoryArgs<T>& a) {
    if (a.N == 0 || a.D == 0) return;
    IMRAM_GPU_CHECK(a.N <= 0x7fffffff, "gated_memory: ", a.N, " rows exceed one grid dimension");
    IMRAM_LAUNCH(gated_memory_fwd_kernel<T>, static_cast<unsigned>(a.N), kRowThreads, 0, a);
}

template <class T>
void gated_memory_bwd(const GatedMemoryBwdArgs<T>& a) {
    if (a.N == 0 || a.D == 0) return;
    IMRAM_GPU_CHECK(a.N <= 0x7fffffff, "gated_memory: ", a.N, " rows exceed one grid dimension");
    IMRAM_LAUNCH(gated_memory_bwd_kernel<T>, static_cast<unsigned>(a.N), kRowThreads, 0, a);
}

template void gated_memory_fwd(const GatedMemoryArgs<float>&);
template void gated_memory_fwd(const GatedMemoryArgs<double>&);
template void gated_memory_bwd(const GatedMemoryBwdArgs<float>&);
template void gated_memory_bwd(const GatedMemoryBwdArgs<double>&);

}  // namespace imram::IMRAM_CUDA_NS
