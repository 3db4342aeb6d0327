// SPDX-License-Identifier: MIT
// Reductions over the middle axis of x viewed as (O, R, I), their backward, and the sum of squares
// used by global-norm clipping.
//
// Maths: y[o,i] = sum / mean / max (first index on ties) / sqrt(sum of squares) over r of x[o,r,i];
//        dx[o,r,i] = dy[o,i] * dy/dx (kernels/ref/reduce.cpp).
// Threads: forward, one 128-thread block per output (o, i): each thread strides over r, then a
//          block all-reduce (warp shuffles + 32 floats of shared memory). Backward is elementwise.
//          sum_squares: fixed-size partial sums per block, then one block adds the partials in a
//          fixed order, so the result is deterministic (no float atomics).
// Cost: reads O*R*I elements once; bandwidth-bound. Strided reads when I > 1 are uncoalesced
//       across r but coalesced across neighbouring outputs' blocks only by luck: the engine's
//       reductions are small next to the attention work.
#pragma once

#include "kernels/cuda/common.cuh"

namespace imram::IMRAM_CUDA_NS {

template <class T>
__global__ void reduce_fwd_kernel(ReduceArgs<T> a) {
    __shared__ T scratch[32];
    __shared__ long long iscratch[32];
    const std::int64_t oi = blockIdx.x;
    const std::int64_t o = oi / a.I, i = oi % a.I;
    const T* x = a.x + o * a.R * a.I + i;
    if (a.op == ReduceOp::Max) {
        // (value, index) pairs: larger value wins, the smaller index on ties, as the reference's
        // strict '>' scan from r = 0.
        T best = d_neg_inf<T>();
        long long arg = a.R;
        for (std::int64_t r = threadIdx.x; r < a.R; r += blockDim.x) {
            const T v = x[r * a.I];
            argmax_combine(best, arg, v, static_cast<long long>(r), static_cast<long long>(a.R));
        }
        block_argmax(best, arg, static_cast<long long>(a.R), scratch, iscratch);
        if (threadIdx.x == 0) {
            // A row of NaNs has no winner under '>': the reference then keeps x[0].
            if (arg == a.R) arg = 0, best = x[0];
            a.y[oi] = best;
            a.idx[oi] = arg;
        }
        return;
    }
    T acc = 0;
    for (std::int64_t r = threadIdx.x; r < a.R; r += blockDim.x) {
        const T v = x[r * a.I];
        acc += a.op == ReduceOp::Norm ? v * v : v;
    }
    acc = block_allreduce(acc, SumOp{}, T(0), scratch);
    if (threadIdx.x == 0) {
        if (a.op == ReduceOp::Mean) acc /= static_cast<T>(a.R);
        if (a.op == ReduceOp::Norm) acc = d_sqrt(acc);
        a.y[oi] = acc;
    }
}

template <class T>
__global__ void reduce_bwd_kernel(ReduceBwdArgs<T> a, std::int64_t n) {
    for (std::int64_t ori = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; ori < n;
         ori += (std::int64_t)gridDim.x * blockDim.x) {
        const std::int64_t i = ori % a.I, r = (ori / a.I) % a.R, o = ori / (a.I * a.R);
        const std::int64_t oi = o * a.I + i;
        const T dy = a.dy[oi];
        T d = 0;
        switch (a.op) {
            case ReduceOp::Sum: d = dy; break;
            case ReduceOp::Mean: d = dy / static_cast<T>(a.R); break;
            case ReduceOp::Max: d = a.idx[oi] == r ? dy : T(0); break;
            case ReduceOp::Norm: d = a.y[oi] > T(0) ? dy * a.x[ori] / a.y[oi] : T(0); break;
        }
        a.dx[ori] = d;
    }
}

constexpr int kSumSquaresBlocks = 256;

template <class T>
__global__ void sum_squares_partial_kernel(const T* x, std::int64_t n, double* partial) {
    __shared__ double scratch[32];
    double acc = 0;
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < n;
         i += (std::int64_t)gridDim.x * blockDim.x)
        acc += static_cast<double>(x[i]) * static_cast<double>(x[i]);
    acc = block_allreduce(acc, SumOp{}, 0.0, scratch);
    if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

__global__ void sum_partials_kernel(const double* partial, int n, double* out) {
    __shared__ double scratch[32];
    double acc = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) acc += partial[i];
    acc = block_allreduce(acc, SumOp{}, 0.0, scratch);
    if (threadIdx.x == 0) *out = acc;
}

template <class T>
void reduce_fwd(const ReduceArgs<T>& a) {
    const std::int64_t outputs = a.O * a.I;
    if (outputs == 0) return;
    IMRAM_GPU_CHECK(a.R > 0, "reduce: empty reduction axis");
    IMRAM_GPU_CHECK(outputs <= 0x7fffffff, "reduce: ", outputs, " outputs exceed one grid dimension");
    IMRAM_LAUNCH(reduce_fwd_kernel<T>, static_cast<unsigned>(outputs), kRowThreads, 0, a);
}

template <class T>
void reduce_bwd(const ReduceBwdArgs<T>& a) {
    const std::int64_t n = a.O * a.R * a.I;
    if (n == 0) return;
    IMRAM_LAUNCH(reduce_bwd_kernel<T>, grid_for(n), kThreads, 0, a, n);
}

/// a.out is host memory (the clipping code reads it right away).
template <class T>
void sum_squares(const SumSquaresArgs<T>& a) {
    const Device dev = this_device();
    const int blocks = static_cast<int>(grid_for(a.n) < kSumSquaresBlocks ? grid_for(a.n) : kSumSquaresBlocks);
    const std::size_t scratch_bytes = sizeof(double) * (blocks + 1);
    auto* scratch = static_cast<double*>(gpu::alloc(dev, scratch_bytes));
    try {
        IMRAM_LAUNCH(sum_squares_partial_kernel<T>, blocks, kThreads, 0, a.x, a.n, scratch);
        IMRAM_LAUNCH(sum_partials_kernel, 1, kThreads, 0, static_cast<const double*>(scratch), blocks, scratch + blocks);
        gpu::copy(a.out, Device::cpu(), scratch + blocks, dev, sizeof(double));
    } catch (...) {
        gpu::release(dev, scratch, scratch_bytes);
        throw;
    }
    gpu::release(dev, scratch, scratch_bytes);
}

template void reduce_fwd(const ReduceArgs<float>&);
template void reduce_fwd(const ReduceArgs<double>&);
template void reduce_bwd(const ReduceBwdArgs<float>&);
template void reduce_bwd(const ReduceBwdArgs<double>&);
template void sum_squares(const SumSquaresArgs<float>&);
template void sum_squares(const SumSquaresArgs<double>&);

}  // namespace imram::IMRAM_CUDA_NS
