// SPDX-License-Identifier: MIT
// Masked scaled-dot-product attention per pair (docs/ops.md#scaled_dot_attention), CAMP's message
// passing and refinement, forward and backward.
//
// Maths, per pair p with q (n, Dk), k (m, Dk), v (m, Dv), key_valid (m) or none:
//   probs[i, :] = softmax over the valid keys j of scale <q_i, k_j> (all 0 when none is valid)
//   out[i] = sum_j probs[i, j] v_j
//   backward: dP = dO V^T; dS = P o (dP - rowsum(P o dP)); dq = scale dS K; dk = scale dS^T Q; dv = P^T dO
// Threads: forward, one 128-thread block per (pair, query row): threads take keys j for the logits (a
//          Dk-long dot each) and the softmax (block max and sum), a barrier, then threads take columns
//          of out. Backward in two kernels, so that no two blocks write one value (no atomics, a fixed
//          summation order): per (pair, query row) dS's row into the ds workspace and dq's row; then per
//          (pair, key) the rows of dk and dv, summing over the queries.
// Cost per pair: 2 n m (Dk + Dv) FLOPs forward, twice that backward; at CAMP's sizes (n, m <= 50,
//          D 1024) the reads of k and v per query row dominate: the GEMM-based cpu kernel's shape,
//          not a tiled tensor-core kernel (the batched GEMMs around it stay on cuBLAS).
#pragma once

#include "kernels/cuda/common.cuh"

namespace imram::IMRAM_CUDA_NS {

template <class T>
__global__ void scaled_dot_attention_fwd_kernel(ScaledDotAttentionArgs<T> a) {
    __shared__ T scratch[32];
    const std::int64_t n = a.n, m = a.m, Dk = a.Dk, Dv = a.Dv, row = blockIdx.x, p = row / n;
    const T* q = a.q + row * Dk;
    const T* k = a.k + p * m * Dk;
    const T* v = a.v + p * m * Dv;
    const std::uint8_t* valid = a.valid ? a.valid + p * m : nullptr;
    T* pr = a.probs + row * m;
    T mx = d_neg_inf<T>();
    for (std::int64_t j = threadIdx.x; j < m; j += blockDim.x) {
        T dot = 0;
        for (std::int64_t d = 0; d < Dk; ++d) dot += q[d] * k[j * Dk + d];
        pr[j] = a.scale * dot;
        if (!valid || valid[j]) mx = d_max(mx, pr[j]);
    }
    mx = block_allreduce(mx, MaxOp{}, d_neg_inf<T>(), scratch);
    T s = 0;
    for (std::int64_t j = threadIdx.x; j < m; j += blockDim.x) {
        pr[j] = (!valid || valid[j]) ? d_exp(pr[j] - mx) : T(0);
        s += pr[j];
    }
    s = block_allreduce(s, SumOp{}, T(0), scratch);
    const T inv = s > T(0) ? T(1) / s : T(0);
    for (std::int64_t j = threadIdx.x; j < m; j += blockDim.x) pr[j] *= inv;
    __syncthreads();  // the whole row of probabilities before any thread reads it
    T* out = a.out + row * Dv;
    for (std::int64_t d = threadIdx.x; d < Dv; d += blockDim.x) {
        T acc = 0;
        for (std::int64_t j = 0; j < m; ++j) acc += pr[j] * v[j * Dv + d];
        out[d] = acc;
    }
}

template <class T>
__global__ void scaled_dot_attention_bwd_rows_kernel(ScaledDotAttentionBwdArgs<T> a) {
    __shared__ T scratch[32];
    const std::int64_t n = a.n, m = a.m, Dk = a.Dk, Dv = a.Dv, row = blockIdx.x, p = row / n;
    const T* k = a.k + p * m * Dk;
    const T* v = a.v + p * m * Dv;
    const T* pr = a.probs + row * m;
    const T* dout = a.dout + row * Dv;
    T* ds = a.ds + row * m;
    T s = 0;
    for (std::int64_t j = threadIdx.x; j < m; j += blockDim.x) {
        T dp = 0;
        for (std::int64_t d = 0; d < Dv; ++d) dp += dout[d] * v[j * Dv + d];
        ds[j] = dp;
        s += pr[j] * dp;
    }
    s = block_allreduce(s, SumOp{}, T(0), scratch);
    for (std::int64_t j = threadIdx.x; j < m; j += blockDim.x) ds[j] = pr[j] * (ds[j] - s);  // own j only
    __syncthreads();  // the whole row of dS before any thread reads it
    T* dq = a.dq + row * Dk;
    for (std::int64_t d = threadIdx.x; d < Dk; d += blockDim.x) {
        T acc = 0;
        for (std::int64_t j = 0; j < m; ++j) acc += ds[j] * k[j * Dk + d];
        dq[d] = a.scale * acc;
    }
}

template <class T>
__global__ void scaled_dot_attention_bwd_keys_kernel(ScaledDotAttentionBwdArgs<T> a) {
    const std::int64_t n = a.n, m = a.m, Dk = a.Dk, Dv = a.Dv, key = blockIdx.x, p = key / m, j = key - p * m;
    const T* q = a.q + p * n * Dk;
    const T* pr = a.probs + p * n * m;
    const T* ds = a.ds + p * n * m;
    const T* dout = a.dout + p * n * Dv;
    for (std::int64_t d = threadIdx.x; d < Dk; d += blockDim.x) {
        T acc = 0;
        for (std::int64_t i = 0; i < n; ++i) acc += ds[i * m + j] * q[i * Dk + d];
        a.dk[key * Dk + d] = a.scale * acc;
    }
    for (std::int64_t d = threadIdx.x; d < Dv; d += blockDim.x) {
        T acc = 0;
        for (std::int64_t i = 0; i < n; ++i) acc += pr[i * m + j] * dout[i * Dv + d];
        a.dv[key * Dv + d] = acc;
    }
}

template <class T>
void scaled_dot_attention_fwd(const ScaledDotAttentionArgs<T>& a) {
    const std::int64_t rows = a.P * a.n;
    if (rows == 0) return;
    IMRAM_GPU_CHECK(rows <= 0x7fffffff, "scaled_dot_attention: ", rows, " query rows exceed one grid dimension");
    IMRAM_LAUNCH(scaled_dot_attention_fwd_kernel<T>, static_cast<unsigned>(rows), kRowThreads, 0, a);
}

template <class T>
void scaled_dot_attention_bwd(const ScaledDotAttentionBwdArgs<T>& a) {
    const std::int64_t rows = a.P * a.n, keys = a.P * a.m;
    IMRAM_GPU_CHECK(rows <= 0x7fffffff && keys <= 0x7fffffff, "scaled_dot_attention: ", rows, " query rows or ", keys,
                    " keys exceed one grid dimension");
    if (rows > 0) IMRAM_LAUNCH(scaled_dot_attention_bwd_rows_kernel<T>, static_cast<unsigned>(rows), kRowThreads, 0, a);
    if (keys > 0) IMRAM_LAUNCH(scaled_dot_attention_bwd_keys_kernel<T>, static_cast<unsigned>(keys), kRowThreads, 0, a);
}

template void scaled_dot_attention_fwd(const ScaledDotAttentionArgs<float>&);
template void scaled_dot_attention_fwd(const ScaledDotAttentionArgs<double>&);
template void scaled_dot_attention_bwd(const ScaledDotAttentionBwdArgs<float>&);
template void scaled_dot_attention_bwd(const ScaledDotAttentionBwdArgs<double>&);

}  // namespace imram::IMRAM_CUDA_NS
