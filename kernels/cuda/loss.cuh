// SPDX-License-Identifier: MIT
// Hardest negatives of the (B, B) score matrix of a batch, for the max-violation loss.
//
// Maths: row_neg[i] = argmax_{j != i} s[i, j]; col_neg[j] = argmax_{i != j} s[i, j]; the first index
//        wins ties (kernels/ref/loss.cpp).
// Threads: a (B, 2) grid of 128-thread blocks: blockIdx.y = 0 scans row blockIdx.x (coalesced),
//          1 scans column blockIdx.x (stride B); each thread keeps its running (value, index),
//          then a block argmax (warp shuffles + shared memory) picks the winner.
// Cost: reads the matrix twice, 2 B^2 sizeof(T) bytes: 128 KB at B = 128, a few microseconds; it
//       replaces a device-to-host copy and a host scan per step.
#pragma once

#include "kernels/cuda/common.cuh"

namespace imram::IMRAM_CUDA_NS {

template <class T>
__global__ void hardest_negatives_kernel(HardestNegArgs<T> a) {
    __shared__ T scratch[32];
    __shared__ long long iscratch[32];
    const std::int64_t n = a.n, k = blockIdx.x;
    const bool by_row = blockIdx.y == 0;
    T best = d_neg_inf<T>();
    long long arg = -1;
    for (std::int64_t m = threadIdx.x; m < n; m += blockDim.x) {
        if (m == k) continue;
        const T v = by_row ? a.s[k * n + m] : a.s[m * n + k];
        argmax_combine(best, arg, v, static_cast<long long>(m), -1LL);
    }
    block_argmax(best, arg, -1LL, scratch, iscratch);
    if (threadIdx.x == 0) (by_row ? a.row_neg : a.col_neg)[k] = arg;
}

template <class T>
void hardest_negatives(const HardestNegArgs<T>& a) {
    IMRAM_GPU_CHECK(a.n >= 2 && a.n <= 65535, "hardest_negatives: expected 2 <= B <= 65535, got ", a.n);
    IMRAM_LAUNCH(hardest_negatives_kernel<T>, dim3(static_cast<unsigned>(a.n), 2), kRowThreads, 0, a);
}

template void hardest_negatives(const HardestNegArgs<float>&);
template void hardest_negatives(const HardestNegArgs<double>&);

}  // namespace imram::IMRAM_CUDA_NS
