// SPDX-License-Identifier: MIT
// CAMP's SummaryAttn after its linear layers (docs/ops.md#attention_pool), forward and backward.
//
// Maths, per pair p with x (n, D), logits e (n, H), valid (n) or none:
//   alpha[:, h] = softmax over the valid positions of e[:, h] (all 0 when none is valid),
//   w_i = mean_h alpha[i, h], out = sum_i w_i x_i (D)
//   backward: dx_i = w_i dout; dw_i = <x_i, dout>; de[i, h] = alpha[i, h] / H (dw_i - sum_j alpha[j, h] dw_j)
// Threads: one 128-thread block per pair. Forward: for each head a block max and a block sum over the
//          positions (threads take positions), alpha written to global memory, a barrier, then threads
//          take columns d of out. Backward: threads take positions for dw (a D-long dot each, into the
//          dw workspace), a barrier, a block sum per head for de, then threads take the n x D elements of
//          dx. Every loop bound is uniform across the block, so no barrier is skipped by some threads.
// Cost: forward reads n D + n H values and writes D + n H; backward reads 2 n D and writes n D + n H;
//       2 n D FLOPs each way. Bandwidth-bound like the elementwise kernels.
#pragma once

#include "kernels/cuda/common.cuh"

namespace imram::IMRAM_CUDA_NS {

template <class T>
__global__ void attention_pool_fwd_kernel(AttentionPoolArgs<T> a) {
    __shared__ T scratch[32];
    const std::int64_t n = a.n, D = a.D, H = a.H, p = blockIdx.x;
    const T* x = a.x + p * n * D;
    const T* e = a.logits + p * n * H;
    const std::uint8_t* valid = a.valid ? a.valid + p * n : nullptr;
    T* alpha = a.alpha + p * n * H;
    for (std::int64_t h = 0; h < H; ++h) {
        T m = d_neg_inf<T>();
        for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x)
            if (!valid || valid[i]) m = d_max(m, e[i * H + h]);
        m = block_allreduce(m, MaxOp{}, d_neg_inf<T>(), scratch);
        T s = 0;
        for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) {
            const T v = (!valid || valid[i]) ? d_exp(e[i * H + h] - m) : T(0);
            alpha[i * H + h] = v;
            s += v;
        }
        s = block_allreduce(s, SumOp{}, T(0), scratch);
        const T inv = s > T(0) ? T(1) / s : T(0);
        for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) alpha[i * H + h] *= inv;
    }
    __syncthreads();  // alpha complete before any thread reads other threads' positions
    for (std::int64_t d = threadIdx.x; d < D; d += blockDim.x) {
        T acc = 0;
        for (std::int64_t i = 0; i < n; ++i) {
            T w = 0;
            for (std::int64_t h = 0; h < H; ++h) w += alpha[i * H + h];
            acc += w / static_cast<T>(H) * x[i * D + d];
        }
        a.out[p * D + d] = acc;
    }
}

template <class T>
__global__ void attention_pool_bwd_kernel(AttentionPoolBwdArgs<T> a) {
    __shared__ T scratch[32];
    const std::int64_t n = a.n, D = a.D, H = a.H, p = blockIdx.x;
    const T* x = a.x + p * n * D;
    const T* alpha = a.alpha + p * n * H;
    const T* dout = a.dout + p * D;
    T* dw = a.dw + p * n;
    for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) {
        T dot = 0;
        for (std::int64_t d = 0; d < D; ++d) dot += x[i * D + d] * dout[d];
        dw[i] = dot;
    }
    __syncthreads();  // dw complete
    T* de = a.de + p * n * H;
    for (std::int64_t h = 0; h < H; ++h) {
        T s = 0;
        for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) s += alpha[i * H + h] * dw[i];
        s = block_allreduce(s, SumOp{}, T(0), scratch);
        for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x)
            de[i * H + h] = alpha[i * H + h] * (dw[i] - s) / static_cast<T>(H);
    }
    T* dx = a.dx + p * n * D;
    for (std::int64_t k = threadIdx.x; k < n * D; k += blockDim.x) {
        const std::int64_t i = k / D;
        T w = 0;
        for (std::int64_t h = 0; h < H; ++h) w += alpha[i * H + h];
        dx[k] = w / static_cast<T>(H) * dout[k - i * D];
    }
}

template <class T>
void attention_pool_fwd(const AttentionPoolArgs<T>& a) {
    if (a.P == 0 || a.D == 0) return;
    IMRAM_GPU_CHECK(a.P <= 0x7fffffff, "attention_pool: ", a.P, " pairs exceed one grid dimension");
    IMRAM_LAUNCH(attention_pool_fwd_kernel<T>, static_cast<unsigned>(a.P), kRowThreads, 0, a);
}

template <class T>
void attention_pool_bwd(const AttentionPoolBwdArgs<T>& a) {
    if (a.P == 0 || a.D == 0) return;
    IMRAM_GPU_CHECK(a.P <= 0x7fffffff, "attention_pool: ", a.P, " pairs exceed one grid dimension");
    IMRAM_LAUNCH(attention_pool_bwd_kernel<T>, static_cast<unsigned>(a.P), kRowThreads, 0, a);
}

template void attention_pool_fwd(const AttentionPoolArgs<float>&);
template void attention_pool_fwd(const AttentionPoolArgs<double>&);
template void attention_pool_bwd(const AttentionPoolBwdArgs<float>&);
template void attention_pool_bwd(const AttentionPoolBwdArgs<double>&);

}  // namespace imram::IMRAM_CUDA_NS
