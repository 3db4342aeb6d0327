// SPDX-License-Identifier: MIT
// Gram-form cosine between each query fragment and its attended vector (docs/ops.md#gram_cosine),
// forward and backward, without ever forming the attended vectors.
//
// Maths, per pair p and query q (alpha (P, Lq, Ls), A (P, Ls, Lq), G (P, Ls, Ls), xnorm (P, Lq)):
//   num = sum_s alpha[q,s] A[s,q];  cc = alpha_q^T G alpha_q;  w = xnorm[q] sqrt(max(cc, 0))
//   r[q] = num / max(w, eps)
//   backward (w > eps): g_num = dr / w, g_cc = -dr r / (2 cc), dxnorm = -dr r / xnorm;
//            (clipped): g_num = dr / eps, g_cc = dxnorm = 0
//   dalpha[q,s] = g_num A[s,q] + g_cc ((G + G^T) alpha_q)[s];  dA[s,q] = g_num alpha[q,s]
//   dG[s,t] = sum_q g_cc[q] alpha[q,s] alpha[q,t]
// Threads: one 128-thread block (4 warps) per pair. Warps take queries q, lanes take s (and loop
//          over t for G alpha). The backward keeps g_cc per q in Lq values of dynamic shared memory,
//          then after a barrier all threads compute dG element by element: no atomics, and the
//          sum over q runs in a fixed order.
// Cost per pair: forward ~2 Ls^2 Lq FLOPs (the G alpha products) reading G (Ls^2) and A, alpha
//          (2 Ls Lq); backward ~4 Ls^2 Lq. At Ls = 36, Lq = 16 that is ~40-80 KFLOP per pair on ~15 KB:
//          ~5 FLOP/byte, near the H100's FP32 ridge (20 FLOP/byte): bandwidth-bound, ~5 us per 1000 pairs.
#pragma once

#include "kernels/cuda/common.cuh"

namespace imram::IMRAM_CUDA_NS {

/// num and cc of (p, q) reduced over the warp; every lane gets both.
template <class T>
__device__ void gram_terms(const T* al, const T* A, const T* G, std::int64_t q, std::int64_t Lq, std::int64_t Ls,
                           T& num, T& cc) {
    num = 0, cc = 0;
    for (std::int64_t s = threadIdx.x & 31; s < Ls; s += 32) {
        num += al[s] * A[s * Lq + q];
        T gs = 0;
        for (std::int64_t t = 0; t < Ls; ++t) gs += G[s * Ls + t] * al[t];
        cc += al[s] * gs;
    }
    num = warp_allreduce(num, SumOp{});
    cc = warp_allreduce(cc, SumOp{});
}

template <class T>
__global__ void gram_cosine_fwd_kernel(GramCosineArgs<T> a) {
    const std::int64_t p = blockIdx.x, Lq = a.Lq, Ls = a.Ls;
    const T* A = a.A + p * Ls * Lq;
    const T* G = a.G + p * Ls * Ls;
    const int warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (std::int64_t q = warp; q < Lq; q += warps) {
        T num, cc;
        gram_terms(a.alpha + (p * Lq + q) * Ls, A, G, q, Lq, Ls, num, cc);
        const T w = a.xnorm[p * Lq + q] * d_sqrt(cc > T(0) ? cc : T(0));
        if ((threadIdx.x & 31) == 0) a.r[p * Lq + q] = num / (w > a.eps ? w : a.eps);
    }
}

template <class T>
__global__ void gram_cosine_bwd_kernel(GramCosineBwdArgs<T> a) {
    SIMT_DYNAMIC_SHARED(T, g_cc_q);  // Lq values
    const std::int64_t p = blockIdx.x, Lq = a.Lq, Ls = a.Ls;
    const T* A = a.A + p * Ls * Lq;
    const T* G = a.G + p * Ls * Ls;
    T* dA = a.dA + p * Ls * Lq;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (std::int64_t q = warp; q < Lq; q += warps) {
        const T* al = a.alpha + (p * Lq + q) * Ls;
        T num, cc;
        gram_terms(al, A, G, q, Lq, Ls, num, cc);
        const T w = a.xnorm[p * Lq + q] * d_sqrt(cc > T(0) ? cc : T(0));
        const bool clipped = !(w > a.eps);
        const T inv_w = T(1) / (clipped ? a.eps : w);
        const T r = num * inv_w, dr = a.dr[p * Lq + q];
        const T g_num = dr * inv_w;
        const T g_cc = clipped ? T(0) : -dr * r / (T(2) * cc);
        if (lane == 0) {
            a.dxnorm[p * Lq + q] = clipped ? T(0) : -dr * r / a.xnorm[p * Lq + q];
            g_cc_q[q] = g_cc;
        }
        T* dal = a.dalpha + (p * Lq + q) * Ls;
        for (std::int64_t s = lane; s < Ls; s += 32) {
            T sym = 0;
            for (std::int64_t t = 0; t < Ls; ++t) sym += (G[s * Ls + t] + G[t * Ls + s]) * al[t];
            dal[s] = g_num * A[s * Lq + q] + g_cc * sym;
            dA[s * Lq + q] = g_num * al[s];
        }
    }
    __syncthreads();  // g_cc_q complete
    const T* alpha = a.alpha + p * Lq * Ls;
    for (std::int64_t st = threadIdx.x; st < Ls * Ls; st += blockDim.x) {
        const std::int64_t s = st / Ls, t = st % Ls;
        T acc = 0;
        for (std::int64_t q = 0; q < Lq; ++q) acc += g_cc_q[q] * alpha[q * Ls + s] * alpha[q * Ls + t];
        a.dG[p * Ls * Ls + st] = acc;
    }
}

template <class T>
void gram_cosine_fwd(const GramCosineArgs<T>& a) {
    if (a.P == 0 || a.Lq == 0) return;
    IMRAM_GPU_CHECK(a.P <= 0x7fffffff, "gram_cosine: ", a.P, " pairs exceed one grid dimension");
    IMRAM_LAUNCH(gram_cosine_fwd_kernel<T>, static_cast<unsigned>(a.P), kRowThreads, 0, a);
}

template <class T>
void gram_cosine_bwd(const GramCosineBwdArgs<T>& a) {
    if (a.P == 0) return;
    IMRAM_GPU_CHECK(a.P <= 0x7fffffff, "gram_cosine: ", a.P, " pairs exceed one grid dimension");
    const std::size_t smem = sizeof(T) * static_cast<std::size_t>(a.Lq > 0 ? a.Lq : 1);
    IMRAM_GPU_CHECK(smem <= 48 * 1024, "gram_cosine backward: ", a.Lq, " queries need more than 48 KB of shared memory");
    IMRAM_LAUNCH(gram_cosine_bwd_kernel<T>, static_cast<unsigned>(a.P), kRowThreads, smem, a);
}

template void gram_cosine_fwd(const GramCosineArgs<float>&);
template void gram_cosine_fwd(const GramCosineArgs<double>&);
template void gram_cosine_bwd(const GramCosineBwdArgs<float>&);
template void gram_cosine_bwd(const GramCosineBwdArgs<double>&);

}  // namespace imram::IMRAM_CUDA_NS
