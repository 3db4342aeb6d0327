// SPDX-License-Identifier: MIT
// clipped_attention: IMRAM/SCAN attention weights from raw logits, per (query item, context item)
// pair p (maths in kernels/clipped_attention_impl.h and docs/ops.md#clipped_attention):
//   B = leaky_relu(A, 0.1) with query pads 0;  n_s = ||B[s, :]||;  Cn = B / (n_s + eps)
//   alpha[q, :] = softmax over valid s of lambda Cn[:, q]
// Shapes: A (P, Ls, Lq); q_valid (P, Lq), c_valid (P, Ls) bytes or null; alpha (P, Lq, Ls); norm (P, Ls).
// Threads: one block per pair, 128 threads = 4 warps. Forward: warps take rows s (norm, a warp
//          all-reduce over q), barrier, then warps take columns q (masked softmax over s with warp
//          reductions). Backward: warps take q for <alpha, dalpha> (kept in Lq values of dynamic
//          shared memory), barrier, then warps take s for the l2norm backward; dCn is recomputed on
//          the fly rather than stored.
// Cost per pair: forward reads A twice (2 Ls Lq) and writes alpha (Ls Lq), ~10 FLOPs per element;
//          backward reads A, alpha, dalpha twice. At IMRAM sizes (Ls, Lq <= 50) a pair is ~10 KB:
//          bandwidth-bound, ~4 us per 1000 pairs on an H100. The GEMMs around it dominate.
#pragma once

#include "kernels/cuda/common.cuh"

namespace imram::IMRAM_CUDA_NS {

template <class T>
__device__ __forceinline__ T d_leaky01(T a) { return a > T(0) ? a : T(0.1) * a; }

template <class T>
__global__ void clipped_attention_fwd_kernel(ClippedAttentionArgs<T> a) {
    const std::int64_t p = blockIdx.x, Ls = a.Ls, Lq = a.Lq;
    const T* A = a.A + p * Ls * Lq;
    const std::uint8_t* qv = a.q_valid ? a.q_valid + p * Lq : nullptr;
    const std::uint8_t* cv = a.c_valid ? a.c_valid + p * Ls : nullptr;
    T* alpha = a.alpha + p * Lq * Ls;
    T* norm = a.norm + p * Ls;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (std::int64_t s = warp; s < Ls; s += warps) {
        T ss = 0;
        for (std::int64_t q = lane; q < Lq; q += 32) {
            const T b = (qv && !qv[q]) ? T(0) : d_leaky01(A[s * Lq + q]);
            ss += b * b;
        }
        ss = warp_allreduce(ss, SumOp{});
        if (lane == 0) norm[s] = d_sqrt(ss);
    }
    __syncthreads();  // norm[] is read by every warp below
    for (std::int64_t q = warp; q < Lq; q += warps) {
        const bool qpad = qv && !qv[q];
        T m = d_neg_inf<T>();
        for (std::int64_t s = lane; s < Ls; s += 32)
            if (!cv || cv[s]) m = d_max(m, a.lambda * (qpad ? T(0) : d_leaky01(A[s * Lq + q])) / (norm[s] + a.eps));
        m = warp_allreduce(m, MaxOp{});
        T sum = 0;
        for (std::int64_t s = lane; s < Ls; s += 32) {
            const T z = a.lambda * (qpad ? T(0) : d_leaky01(A[s * Lq + q])) / (norm[s] + a.eps);
            const T e = (!cv || cv[s]) ? d_exp(z - m) : T(0);
            alpha[q * Ls + s] = e;
            sum += e;
        }
        sum = warp_allreduce(sum, SumOp{});
        // Each lane rescales only what it wrote itself: no barrier needed.
        for (std::int64_t s = lane; s < Ls; s += 32) alpha[q * Ls + s] = sum > T(0) ? alpha[q * Ls + s] / sum : T(0);
    }
}

template <class T>
__global__ void clipped_attention_bwd_kernel(ClippedAttentionBwdArgs<T> a) {
    SIMT_DYNAMIC_SHARED(T, dot_q);  // Lq values: <alpha[q, :], dalpha[q, :]>
    const std::int64_t p = blockIdx.x, Ls = a.Ls, Lq = a.Lq;
    const T* A = a.A + p * Ls * Lq;
    const std::uint8_t* qv = a.q_valid ? a.q_valid + p * Lq : nullptr;
    const T* alpha = a.alpha + p * Lq * Ls;
    const T* dalpha = a.dalpha + p * Lq * Ls;
    const T* norm = a.norm + p * Ls;
    T* dA = a.dA + p * Ls * Lq;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (std::int64_t q = warp; q < Lq; q += warps) {
        T dot = 0;
        for (std::int64_t s = lane; s < Ls; s += 32) dot += alpha[q * Ls + s] * dalpha[q * Ls + s];
        dot = warp_allreduce(dot, SumOp{});
        if (lane == 0) dot_q[q] = dot;
    }
    __syncthreads();
    for (std::int64_t s = warp; s < Ls; s += warps) {
        const T n = norm[s], inv = T(1) / (n + a.eps);
        T dot = 0;
        for (std::int64_t q = lane; q < Lq; q += 32) {
            if (qv && !qv[q]) continue;
            const T dcn = a.lambda * alpha[q * Ls + s] * (dalpha[q * Ls + s] - dot_q[q]);
            dot += dcn * d_leaky01(A[s * Lq + q]) * inv;
        }
        dot = warp_allreduce(dot, SumOp{});
        for (std::int64_t q = lane; q < Lq; q += 32) {
            if (qv && !qv[q]) {
                dA[s * Lq + q] = 0;
                continue;
            }
            const T av = A[s * Lq + q], b = d_leaky01(av);
            const T dcn = a.lambda * alpha[q * Ls + s] * (dalpha[q * Ls + s] - dot_q[q]);
            const T db = dcn * inv - (n > T(0) ? b * inv * dot / n : T(0));
            dA[s * Lq + q] = db * (av > T(0) ? T(1) : T(0.1));
        }
    }
}

template <class T>
void clipped_attention_fwd(const ClippedAttentionArgs<T>& a) {
    if (a.P == 0 || a.Ls == 0 || a.Lq == 0) return;
    IMRAM_GPU_CHECK(a.P <= 0x7fffffff, "clipped_attention: ", a.P, " pairs exceed one grid dimension");
    IMRAM_LAUNCH(clipped_attention_fwd_kernel<T>, static_cast<unsigned>(a.P), kRowThreads, 0, a);
}

template <class T>
void clipped_attention_bwd(const ClippedAttentionBwdArgs<T>& a) {
    if (a.P == 0 || a.Ls == 0 || a.Lq == 0) return;
    IMRAM_GPU_CHECK(a.P <= 0x7fffffff, "clipped_attention: ", a.P, " pairs exceed one grid dimension");
    const std::size_t smem = sizeof(T) * static_cast<std::size_t>(a.Lq);
    IMRAM_GPU_CHECK(smem <= 48 * 1024, "clipped_attention backward: ", a.Lq, " queries need more than 48 KB of shared memory");
    IMRAM_LAUNCH(clipped_attention_bwd_kernel<T>, static_cast<unsigned>(a.P), kRowThreads, smem, a);
}

template void clipped_attention_fwd(const ClippedAttentionArgs<float>&);
template void clipped_attention_fwd(const ClippedAttentionArgs<double>&);
template void clipped_attention_bwd(const ClippedAttentionBwdArgs<float>&);
template void clipped_attention_bwd(const ClippedAttentionBwdArgs<double>&);

}  // namespace imram::IMRAM_CUDA_NS
