// SPDX-License-Identifier: MIT
// Row normalisations: masked (log_)softmax over R of (O, R, I), l2norm and cosine similarity over
// rows of (N, D), forward and backward (maths in kernels/ref/normalize.cpp).
//
// Threads: one 128-thread block per row; each thread strides over the row, then block all-reduces
//          (warp shuffles + 32 values of shared memory): 1-3 reductions per row.
// Cost: softmax reads x twice and writes y once (3 R I O values); l2norm/cosine read each row
//       twice. Bandwidth-bound; rows of 36-1024 elements keep a 128-thread block busy enough,
//       and the model's long axis (D = 1024) is contiguous.
#pragma once

#include "kernels/cuda/common.cuh"

namespace imram::IMRAM_CUDA_NS {

template <class T>
__global__ void softmax_fwd_kernel(SoftmaxArgs<T> a) {
    __shared__ T scratch[32];
    const std::int64_t o = blockIdx.x / a.I, i = blockIdx.x % a.I;
    const std::int64_t base = o * a.R * a.I + i;
    T m = d_neg_inf<T>();
    for (std::int64_t r = threadIdx.x; r < a.R; r += blockDim.x) {
        const std::int64_t at = base + r * a.I;
        if (!a.valid || a.valid[at]) m = d_max(m, a.x[at]);
    }
    m = block_allreduce(m, MaxOp{}, d_neg_inf<T>(), scratch);
    T s = 0;
    for (std::int64_t r = threadIdx.x; r < a.R; r += blockDim.x) {
        const std::int64_t at = base + r * a.I;
        if (!a.valid || a.valid[at]) s += d_exp(a.x[at] - m);
    }
    s = block_allreduce(s, SumOp{}, T(0), scratch);
    const T log_s = a.log ? d_log(s) : T(0);
    for (std::int64_t r = threadIdx.x; r < a.R; r += blockDim.x) {
        const std::int64_t at = base + r * a.I;
        if (a.valid && !a.valid[at])
            a.y[at] = 0;
        else
            a.y[at] = a.log ? a.x[at] - m - log_s : d_exp(a.x[at] - m) / s;
    }
}

template <class T>
__global__ void softmax_bwd_kernel(SoftmaxBwdArgs<T> a) {
    __shared__ T scratch[32];
    const std::int64_t o = blockIdx.x / a.I, i = blockIdx.x % a.I;
    const std::int64_t base = o * a.R * a.I + i;
    T s = 0;
    for (std::int64_t r = threadIdx.x; r < a.R; r += blockDim.x) {
        const std::int64_t at = base + r * a.I;
        if (!a.valid || a.valid[at]) s += a.log ? a.dy[at] : a.dy[at] * a.y[at];
    }
    s = block_allreduce(s, SumOp{}, T(0), scratch);
    for (std::int64_t r = threadIdx.x; r < a.R; r += blockDim.x) {
        const std::int64_t at = base + r * a.I;
        if (a.valid && !a.valid[at])
            a.dx[at] = 0;
        else if (a.log)
            a.dx[at] = a.dy[at] - d_exp(a.y[at]) * s;
        else
            a.dx[at] = a.y[at] * (a.dy[at] - s);
    }
}

template <class T>
__global__ void l2norm_fwd_kernel(L2NormArgs<T> a) {
    __shared__ T scratch[32];
    const T* x = a.x + blockIdx.x * a.D;
    T ss = 0;
    for (std::int64_t k = threadIdx.x; k < a.D; k += blockDim.x) ss += x[k] * x[k];
    const T n = d_sqrt(block_allreduce(ss, SumOp{}, T(0), scratch));
    if (threadIdx.x == 0) a.norm[blockIdx.x] = n;
    for (std::int64_t k = threadIdx.x; k < a.D; k += blockDim.x) a.y[blockIdx.x * a.D + k] = x[k] / (n + a.eps);
}

// dx = dy / (n + eps) - y <dy, y> / n   (second term 0 when n == 0)
template <class T>
__global__ void l2norm_bwd_kernel(L2NormBwdArgs<T> a) {
    __shared__ T scratch[32];
    const std::int64_t row = blockIdx.x * a.D;
    T s = 0;
    for (std::int64_t k = threadIdx.x; k < a.D; k += blockDim.x) s += a.dy[row + k] * a.y[row + k];
    s = block_allreduce(s, SumOp{}, T(0), scratch);
    const T n = a.norm[blockIdx.x];
    for (std::int64_t k = threadIdx.x; k < a.D; k += blockDim.x)
        a.dx[row + k] = a.dy[row + k] / (n + a.eps) - (n > T(0) ? a.y[row + k] * s / n : T(0));
}

/// <a,b>, |a|^2, |b|^2 of one row pair, all threads get all three.
template <class T>
__device__ void cosine_terms(const T* a, const T* b, std::int64_t D, T* scratch, T& d, T& aa, T& bb) {
    d = 0, aa = 0, bb = 0;
    for (std::int64_t k = threadIdx.x; k < D; k += blockDim.x) {
        d += a[k] * b[k];
        aa += a[k] * a[k];
        bb += b[k] * b[k];
    }
    d = block_allreduce(d, SumOp{}, T(0), scratch);
    aa = block_allreduce(aa, SumOp{}, T(0), scratch);
    bb = block_allreduce(bb, SumOp{}, T(0), scratch);
}

template <class T>
__global__ void cosine_fwd_kernel(CosineArgs<T> c) {
    __shared__ T scratch[32];
    T d, aa, bb;
    cosine_terms(c.a + blockIdx.x * c.D, c.b + blockIdx.x * c.D, c.D, scratch, d, aa, bb);
    const T w = d_sqrt(aa) * d_sqrt(bb);
    if (threadIdx.x == 0) c.y[blockIdx.x] = d / (w > c.eps ? w : c.eps);
}

// y = d / w, w = max(|a||b|, eps): dy/da = b / w - y a / |a|^2 when |a||b| > eps, else b / eps.
template <class T>
__global__ void cosine_bwd_kernel(CosineBwdArgs<T> c) {
    __shared__ T scratch[32];
    const std::int64_t row = blockIdx.x * c.D;
    T d, aa, bb;
    cosine_terms(c.a + row, c.b + row, c.D, scratch, d, aa, bb);
    const T w = d_sqrt(aa) * d_sqrt(bb);
    const bool clipped = !(w > c.eps);
    const T inv_w = T(1) / (clipped ? c.eps : w);
    const T y = d * inv_w;
    const T ka = clipped ? T(0) : y / aa, kb = clipped ? T(0) : y / bb;
    const T dy = c.dy[blockIdx.x];
    for (std::int64_t k = threadIdx.x; k < c.D; k += blockDim.x) {
        const T av = c.a[row + k], bv = c.b[row + k];
        c.da[row + k] = dy * (bv * inv_w - ka * av);
        c.db[row + k] = dy * (av * inv_w - kb * bv);
    }
}

inline unsigned rows_grid(std::int64_t rows, const char* op) {
    IMRAM_GPU_CHECK(rows <= 0x7fffffff, op, ": ", rows, " rows exceed one grid dimension");
    return static_cast<unsigned>(rows);
}

template <class T>
void softmax_fwd(const SoftmaxArgs<T>& a) {
    if (a.O * a.I == 0 || a.R == 0) return;
    IMRAM_LAUNCH(softmax_fwd_kernel<T>, rows_grid(a.O * a.I, "softmax"), kRowThreads, 0, a);
}
template <class T>
void softmax_bwd(const SoftmaxBwdArgs<T>& a) {
    if (a.O * a.I == 0 || a.R == 0) return;
    IMRAM_LAUNCH(softmax_bwd_kernel<T>, rows_grid(a.O * a.I, "softmax backward"), kRowThreads, 0, a);
}
template <class T>
void l2norm_fwd(const L2NormArgs<T>& a) {
    if (a.N == 0) return;
    IMRAM_LAUNCH(l2norm_fwd_kernel<T>, rows_grid(a.N, "l2norm"), kRowThreads, 0, a);
}
template <class T>
void l2norm_bwd(const L2NormBwdArgs<T>& a) {
    if (a.N == 0) return;
    IMRAM_LAUNCH(l2norm_bwd_kernel<T>, rows_grid(a.N, "l2norm backward"), kRowThreads, 0, a);
}
template <class T>
void cosine_fwd(const CosineArgs<T>& a) {
    if (a.N == 0) return;
    IMRAM_LAUNCH(cosine_fwd_kernel<T>, rows_grid(a.N, "cosine_similarity"), kRowThreads, 0, a);
}
template <class T>
void cosine_bwd(const CosineBwdArgs<T>& a) {
    if (a.N == 0) return;
    IMRAM_LAUNCH(cosine_bwd_kernel<T>, rows_grid(a.N, "cosine_similarity backward"), kRowThreads, 0, a);
}

#define IMRAM_INST(T)                                    \
    template void softmax_fwd(const SoftmaxArgs<T>&);    \
    template void softmax_bwd(const SoftmaxBwdArgs<T>&); \
    template void l2norm_fwd(const L2NormArgs<T>&);      \
    template void l2norm_bwd(const L2NormBwdArgs<T>&);   \
    template void cosine_fwd(const CosineArgs<T>&);      \
    template void cosine_bwd(const CosineBwdArgs<T>&);
IMRAM_INST(float)
IMRAM_INST(double)
#undef IMRAM_INST

}  // namespace imram::IMRAM_CUDA_NS
