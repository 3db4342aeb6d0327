// SPDX-License-Identifier: MIT
// Kernels for the SIMT emulator's tests. Plain CUDA through kernels/simt/simt.h: nvcc builds them too
// (tests/kernels/simt/nvcc_check.cu). Some are deliberately wrong; `// @name` markers let the tests find the
// kernel line an error must name.
#pragma once

#include "kernels/simt/simt.h"

namespace simt_test {
// Unnamed: several test TUs include these kernels, and each gets its own copy (a non-template
// kernel defined in a header included twice is an ODR violation, with nvcc as with g++).
namespace {

inline const char* const kKernelsFile = __FILE__;
constexpr unsigned kFullMask = 0xffffffffu;

// partial[blockIdx.x] = sum of x[i] over the grid-stride slice of this block.
// Block: power-of-two threads; dynamic smem: blockDim.x floats. kSync = false drops the barrier
// inside the tree loop (the classic missing-__syncthreads bug).
template <bool kSync>
__global__ void block_reduce_sum(const float* __restrict__ x, int n, float* __restrict__ partial) {
    SIMT_DYNAMIC_SHARED(float, s);
    const int t = static_cast<int>(threadIdx.x);
    float acc = 0.0f;
    for (int i = static_cast<int>(blockIdx.x * blockDim.x) + t; i < n; i += static_cast<int>(blockDim.x * gridDim.x))
        acc += x[i];
    s[t] = acc;
    __syncthreads();
    for (int stride = static_cast<int>(blockDim.x) / 2; stride > 0; stride >>= 1) {
        if (t < stride) s[t] += s[t + stride];
        if constexpr (kSync) __syncthreads();
    }
    if (t == 0) partial[blockIdx.x] = s[0];
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(kFullMask, v, offset);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(kFullMask, v, offset));
    return v;
}

// *out += sum of x. Block: a multiple of 32 threads. Warp sums by shuffles, then warp 0 reduces
// the per-warp sums and one atomicAdd per block.
__global__ void warp_reduce_sum(const float* __restrict__ x, int n, float* __restrict__ out) {
    __shared__ float warp_sums[32];
    const int lane = static_cast<int>(threadIdx.x) % 32;
    const int warp = static_cast<int>(threadIdx.x) / 32;
    float acc = 0.0f;
    for (int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x); i < n;
         i += static_cast<int>(blockDim.x * gridDim.x))
        acc += x[i];
    acc = warp_sum(acc);
    if (lane == 0) warp_sums[warp] = acc;
    __syncthreads();
    if (warp == 0) {
        const int warps = static_cast<int>(blockDim.x) / 32;
        float v = lane < warps ? warp_sums[lane] : 0.0f;
        v = warp_sum(v);
        if (lane == 0) atomicAdd(out, v);
    }
}

// C[M,N] = A[M,K] B[K,N], row-major. Block (TILE, TILE), grid (ceil(N/TILE), ceil(M/TILE)).
template <int TILE>
__global__ void matmul_tiled(const float* __restrict__ A, const float* __restrict__ B, float* __restrict__ C, int M,
                             int N, int K) {
    __shared__ float As[TILE][TILE];
    __shared__ float Bs[TILE][TILE];
    const int tx = static_cast<int>(threadIdx.x);
    const int ty = static_cast<int>(threadIdx.y);
    const int row = static_cast<int>(blockIdx.y) * TILE + ty;
    const int col = static_cast<int>(blockIdx.x) * TILE + tx;
    float acc = 0.0f;
    for (int k0 = 0; k0 < K; k0 += TILE) {
        As[ty][tx] = (row < M && k0 + tx < K) ? A[row * K + k0 + tx] : 0.0f;
        Bs[ty][tx] = (k0 + ty < K && col < N) ? B[(k0 + ty) * N + col] : 0.0f;
        __syncthreads();
#pragma unroll
        for (int k = 0; k < TILE; ++k) acc += As[ty][k] * Bs[k][tx];
        __syncthreads();
    }
    if (row < M && col < N) C[row * N + col] = acc;
}

// Block-wide all-reduce of v through warp shuffles and 32 floats of shared memory.
// Every thread of the block must call it; blockDim.x is a multiple of 32.
template <bool kMax>
__device__ float block_all_reduce(float v, float* red) {
    const int lane = static_cast<int>(threadIdx.x) % 32;
    const int warp = static_cast<int>(threadIdx.x) / 32;
    v = kMax ? warp_max(v) : warp_sum(v);
    if (lane == 0) red[warp] = v;
    __syncthreads();
    if (warp == 0) {
        const int warps = static_cast<int>(blockDim.x) / 32;
        float w = lane < warps ? red[lane] : (kMax ? -INFINITY : 0.0f);
        w = kMax ? warp_max(w) : warp_sum(w);
        if (lane == 0) red[0] = w;
    }
    __syncthreads();
    const float r = red[0];
    __syncthreads();  // red is reused by the next call
    return r;
}

// y[r, c] = softmax over the columns c with mask[r, c] != 0 of x[r, :], 0 where masked; a fully
// masked row gives zeros. One block per row; blockDim.x a multiple of 32.
__global__ void masked_softmax_rows(const float* __restrict__ x, const unsigned char* __restrict__ mask,
                                    float* __restrict__ y, int cols) {
    __shared__ float red[32];
    const size_t base = static_cast<size_t>(blockIdx.x) * static_cast<size_t>(cols);
    const int t = static_cast<int>(threadIdx.x);
    const int step = static_cast<int>(blockDim.x);
    float m = -INFINITY;
    for (int c = t; c < cols; c += step)
        if (mask[base + c]) m = fmaxf(m, x[base + c]);
    m = block_all_reduce<true>(m, red);
    float s = 0.0f;
    for (int c = t; c < cols; c += step)
        if (mask[base + c]) s += __expf(x[base + c] - m);
    s = block_all_reduce<false>(s, red);
    const float inv = s > 0.0f ? __fdividef(1.0f, s) : 0.0f;
    for (int c = t; c < cols; c += step) y[base + c] = mask[base + c] ? __expf(x[base + c] - m) * inv : 0.0f;
}

// Each half-warp sums its 16 values with its own mask: two disjoint rendezvous in one warp.
__global__ void half_warp_sums(const float* __restrict__ x, float* __restrict__ y) {
    const int t = static_cast<int>(threadIdx.x);
    const unsigned mask = t % 32 < 16 ? 0x0000ffffu : 0xffff0000u;
    float v = x[t];
    for (int offset = 8; offset > 0; offset >>= 1) v += __shfl_xor_sync(mask, v, offset, 16);
    y[t] = v;
}

// One value per thread and intrinsic, for checking warp-op semantics (block of 64 threads).
__global__ void warp_semantics(int* idx, int* up, int* down, int* bfly, unsigned* ballot, int* any, int* all,
                               int* count, int* band, int* bor, double* dbl, long long* ll) {
    const int t = static_cast<int>(threadIdx.x);
    const int lane = t % 32;
    idx[t] = __shfl_sync(kFullMask, t * 10, (lane * 7) % 32);
    up[t] = __shfl_up_sync(kFullMask, t, 3, 8);
    down[t] = __shfl_down_sync(kFullMask, t, 5, 16);
    bfly[t] = __shfl_xor_sync(kFullMask, t, 9, 8);
    ballot[t] = __ballot_sync(kFullMask, t % 3 == 0);
    any[t] = __any_sync(kFullMask, t == 40);
    all[t] = __all_sync(kFullMask, t < 40);
    count[t] = __syncthreads_count(t % 5 == 0);
    band[t] = __syncthreads_and(t < 64);
    bor[t] = __syncthreads_or(t == 63);
    dbl[t] = __shfl_down_sync(kFullMask, 0.5 * t + 1e-300, 1);
    ll[t] = __shfl_sync(kFullMask, static_cast<long long>(t) << 40, 31 - lane);
}

// ---- deliberately wrong kernels

// Threads past n return before the barrier (bug class: barrier divergence).
__global__ void early_return_before_barrier(const float* __restrict__ x, int n, float* __restrict__ y) {
    __shared__ float s[256];
    const int t = static_cast<int>(threadIdx.x);
    if (t >= n) return;
    s[t] = x[t];
    __syncthreads();  // @early-return-barrier
    y[t] = s[(t + 1) % n];
}

// A full-mask shuffle launched with a block whose last warp is partial (bug class: bad mask).
__global__ void full_mask_shuffle(const float* __restrict__ x, float* __restrict__ y) {
    const int t = static_cast<int>(threadIdx.x);
    float v = x[t];
    v += __shfl_xor_sync(kFullMask, v, 1);  // @full-mask-shuffle
    y[t] = v;
}

// Odd and even threads wait at two different barriers.
__global__ void two_barrier_sites(float* y) {
    const int t = static_cast<int>(threadIdx.x);
    if (t % 2)
        __syncthreads();  // @odd-barrier
    else
        __syncthreads();  // @even-barrier
    y[t] = 1.0f;
}

// Lanes 0-15 wait for a full-warp shuffle that lanes 16-31 never reach: they wait at a barrier.
__global__ void shuffle_against_barrier(float* y) {
    const int t = static_cast<int>(threadIdx.x);
    float v = static_cast<float>(t);
    if (t < 16)
        v = __shfl_xor_sync(kFullMask, v, 1);  // @deadlock-shuffle
    else
        __syncthreads();  // @deadlock-barrier
    y[t] = v;
}

// Lanes 0-7 pass a different mask than the rest of the warp.
__global__ void mask_disagreement(float* y) {
    const int t = static_cast<int>(threadIdx.x);
    const unsigned mask = t < 8 ? 0xffu : kFullMask;
    y[t] = __shfl_sync(mask, static_cast<float>(t), 0);  // @mask-disagreement
}

// Lanes 0-15 shuffle among themselves but read lane `src`.
__global__ void source_outside_mask(float* y, int src) {
    const int t = static_cast<int>(threadIdx.x);
    if (t < 16) y[t] = __shfl_sync(0x0000ffffu, static_cast<float>(t), src);  // @source-outside-mask
}

// Writes blockIdx / threadIdx of every thread of a 3-D launch, to check the index mapping.
__global__ void record_indices(int* out) {
    const int threads = static_cast<int>(blockDim.x * blockDim.y * blockDim.z);
    const int block = static_cast<int>(blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z));
    const int thread = static_cast<int>(threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z));
    int* o = out + 6 * (block * threads + thread);
    o[0] = static_cast<int>(blockIdx.x);
    o[1] = static_cast<int>(blockIdx.y);
    o[2] = static_cast<int>(blockIdx.z);
    o[3] = static_cast<int>(threadIdx.x);
    o[4] = static_cast<int>(threadIdx.y);
    o[5] = static_cast<int>(threadIdx.z);
}

}  // namespace
}  // namespace simt_test
