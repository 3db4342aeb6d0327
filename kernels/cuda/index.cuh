// SPDX-License-Identifier: MIT
// index_select / index_add and gather / scatter_add on (O, R, I) views (kernels/args.h).
//
// Maths: index_select y[o,j,i] = x[o, idx[j], i];     index_add x[o, idx[j], i] += y[o,j,i]
//        gather       y[o,j,i] = x[o, idx[o,j,i], i]; scatter_add x[o, idx[o,j,i], i] += y[o,j,i]
// Threads: one thread per element of y (grid-stride). The adds use atomicAdd because repeated
//          indices hit the same x element from different threads: the sum is exact up to
//          the order of float additions, which differs run to run on a GPU (tolerance-tested).
// Cost: 2 reads + 1 write per element of y; bandwidth- or atomic-throughput-bound.
// Indices were range-checked on the host by the op front-end.
#pragma once

#include "kernels/cuda/common.cuh"

namespace imram::IMRAM_CUDA_NS {

template <class T>
__global__ void index_select_kernel(IndexArgs<T> a, std::int64_t n) {
    for (std::int64_t p = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; p < n;
         p += (std::int64_t)gridDim.x * blockDim.x) {
        const std::int64_t i = p % a.I, j = (p / a.I) % a.n, o = p / (a.I * a.n);
        a.y_mut[p] = a.x[(o * a.R + a.idx[j]) * a.I + i];
    }
}

template <class T>
__global__ void index_add_kernel(IndexArgs<T> a, std::int64_t n) {
    for (std::int64_t p = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; p < n;
         p += (std::int64_t)gridDim.x * blockDim.x) {
        const std::int64_t i = p % a.I, j = (p / a.I) % a.n, o = p / (a.I * a.n);
        atomicAdd(a.x_mut + (o * a.R + a.idx[j]) * a.I + i, a.y[p]);
    }
}

template <class T>
__global__ void gather_kernel(GatherArgs<T> a, std::int64_t n) {
    for (std::int64_t p = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; p < n;
         p += (std::int64_t)gridDim.x * blockDim.x) {
        const std::int64_t i = p % a.I, o = p / (a.I * a.n);
        a.y_mut[p] = a.x[(o * a.R + a.idx[p]) * a.I + i];
    }
}

template <class T>
__global__ void scatter_add_kernel(GatherArgs<T> a, std::int64_t n) {
    for (std::int64_t p = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; p < n;
         p += (std::int64_t)gridDim.x * blockDim.x) {
        const std::int64_t i = p % a.I, o = p / (a.I * a.n);
        atomicAdd(a.x_mut + (o * a.R + a.idx[p]) * a.I + i, a.y[p]);
    }
}

template <class T>
void index_select(const IndexArgs<T>& a) {
    const std::int64_t n = a.O * a.n * a.I;
    if (n == 0) return;
    IMRAM_LAUNCH(index_select_kernel<T>, grid_for(n), kThreads, 0, a, n);
}
template <class T>
void index_add(const IndexArgs<T>& a) {
    const std::int64_t n = a.O * a.n * a.I;
    if (n == 0) return;
    IMRAM_LAUNCH(index_add_kernel<T>, grid_for(n), kThreads, 0, a, n);
}
template <class T>
void gather(const GatherArgs<T>& a) {
    const std::int64_t n = a.O * a.n * a.I;
    if (n == 0) return;
    IMRAM_LAUNCH(gather_kernel<T>, grid_for(n), kThreads, 0, a, n);
}
template <class T>
void scatter_add(const GatherArgs<T>& a) {
    const std::int64_t n = a.O * a.n * a.I;
    if (n == 0) return;
    IMRAM_LAUNCH(scatter_add_kernel<T>, grid_for(n), kThreads, 0, a, n);
}

#define IMRAM_INST(T)                                \
    template void index_select(const IndexArgs<T>&); \
    template void index_add(const IndexArgs<T>&);    \
    template void gather(const GatherArgs<T>&);      \
    template void scatter_add(const GatherArgs<T>&);
IMRAM_INST(float)
IMRAM_INST(double)
#undef IMRAM_INST

}  // namespace imram::IMRAM_CUDA_NS
