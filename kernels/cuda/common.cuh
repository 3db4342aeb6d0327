// SPDX-License-Identifier: MIT
// Shared pieces of the CUDA kernels: launch + error check, grid sizing, device maths overloads,
// strided indexing, and the project's own warp/block reductions (CUB's block templates cannot run
// in the SIMT emulator, so kernels use these).
//
// Every kernel .cuh is compiled twice, by thin translation units that set IMRAM_CUDA_NS first:
//   <build>/generated/kernels/cuda/<name>.cu       nvcc, namespace imram::cuda      (real GPUs)
//   <build>/generated/kernels/cuda/<name>_emu.cpp  g++,  namespace imram::cuda_emu  (SIMT emulator on the CPU)
// CMake generates both for every kernels/cuda/*.cuh but this one.
// The namespaces keep the two builds' symbols apart in one binary.
#pragma once

#ifndef IMRAM_CUDA_NS
#error "include kernels/cuda/*.cuh through a thin TU that defines IMRAM_CUDA_NS (cuda or cuda_emu)"
#endif

#include <cstdint>

#include "kernels/args.h"
#include "kernels/kernels.h"
#include "kernels/cuda/error.h"
#include "kernels/cuda/memory.h"
#include "kernels/simt/simt.h"

namespace imram::IMRAM_CUDA_NS {

/// The device this translation unit's kernels run on (emulated, or the current GPU).
inline Device this_device() {
#ifdef __CUDACC__
    int d = 0;
    (void)cudaGetDevice(&d);
    return Device::cuda(d);
#else
    return Device::cuda_emulated();
#endif
}

/// Throws imram::Error when the launch just made failed (bad configuration, sticky fault).
/// The emulator reports its own violations by throwing from the launch itself.
inline void check_launch(const char* kernel, const char* file, int line) {
#ifdef __CUDACC__
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess)
        ::imram::detail::fail(file, line, nullptr,
                              ::imram::detail::cat("kernel ", kernel, ": launch failed: ", cudaGetErrorName(e), " (",
                                                   cudaGetErrorString(e), ")"),
                              ::imram::ErrorKind::Unavailable);
#else
    (void)kernel, (void)file, (void)line;
#endif
}

}  // namespace imram::IMRAM_CUDA_NS

/// Launches on the default stream and checks the launch.
#define IMRAM_LAUNCH(kernel, grid, block, smem, ...)                                                         \
    do {                                                                                                     \
        SIMT_LAUNCH(kernel, grid, block, smem, simt_stream_t{}, __VA_ARGS__);                                \
        ::imram::IMRAM_CUDA_NS::check_launch(#kernel, __FILE__, __LINE__);                                   \
    } while (0)

namespace imram::IMRAM_CUDA_NS {

constexpr int kThreads = 256;     // elementwise block size
constexpr int kRowThreads = 128;  // one block per row for row reductions
constexpr unsigned kFullMask = 0xffffffffu;

/// Blocks for a grid-stride loop over n elements: enough to fill a GPU, never more than needed.
inline unsigned grid_for(std::int64_t n, int threads = kThreads) {
    const std::int64_t b = (n + threads - 1) / threads;
    return static_cast<unsigned>(b < 1 ? 1 : (b > 65535 ? 65535 : b));
}

// ---- maths: one name per function for float and double, as CUDA's own overloads are not
// available to the host compiler
__device__ __forceinline__ float d_exp(float x) { return expf(x); }
__device__ __forceinline__ double d_exp(double x) { return exp(x); }
__device__ __forceinline__ float d_log(float x) { return logf(x); }
__device__ __forceinline__ double d_log(double x) { return log(x); }
__device__ __forceinline__ float d_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double d_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float d_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double d_tanh(double x) { return tanh(x); }
__device__ __forceinline__ float d_pow(float x, float y) { return powf(x, y); }
__device__ __forceinline__ double d_pow(double x, double y) { return pow(x, y); }
template <class T>
__device__ __forceinline__ T d_max(T a, T b) { return a > b ? a : b; }
template <class T>
__device__ __forceinline__ T d_neg_inf() { return -static_cast<T>(INFINITY); }

// ---- strided indexing (kernels/strided.h in device code)
__device__ __forceinline__ std::int64_t d_strided_offset(const Strided& l, std::int64_t flat) {
    std::int64_t off = 0;
    for (int d = l.ndim - 1; d >= 0; --d) {
        off += (flat % l.shape[d]) * l.stride[d];
        flat /= l.shape[d];
    }
    return off;
}

inline std::int64_t h_numel(const Strided& l) {
    std::int64_t n = 1;
    for (int i = 0; i < l.ndim; ++i) n *= l.shape[i];
    return n;
}

// ---- reductions (blockDim.x must be a multiple of 32)
struct SumOp {
    template <class T>
    __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
};
struct MaxOp {
    template <class T>
    __device__ __forceinline__ T operator()(T a, T b) const { return a > b ? a : b; }
};

template <class T, class Op>
__device__ __forceinline__ T warp_allreduce(T v, Op op) {
    for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(kFullMask, v, o));
    return v;
}

/// Every thread of the block gets op over all threads' v. `scratch` holds >= 32 T in shared memory.
/// The leading barrier makes back-to-back calls with the same scratch safe.
template <class T, class Op>
__device__ T block_allreduce(T v, Op op, T identity, T* scratch) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = warp_allreduce(v, op);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : identity;
    return warp_allreduce(v, op);
}

/// Argmax step: the larger value wins, the smaller index on ties (a left-to-right scan with '>');
/// index `none` marks an empty slot.
template <class T>
__device__ __forceinline__ void argmax_combine(T& best, long long& arg, T ov, long long oa, long long none) {
    if (oa != none && (arg == none || ov > best || (ov == best && oa < arg))) best = ov, arg = oa;
}

/// Block-wide argmax of every thread's (best, arg); the result is valid in thread 0 only.
/// `scratch`/`iscratch` hold >= 32 entries in shared memory.
template <class T>
__device__ void block_argmax(T& best, long long& arg, long long none, T* scratch, long long* iscratch) {
    for (int off = 16; off > 0; off >>= 1) {
        const T ov = __shfl_xor_sync(kFullMask, best, off);
        const long long oa = __shfl_xor_sync(kFullMask, arg, off);
        argmax_combine(best, arg, ov, oa, none);
    }
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    if (lane == 0) scratch[warp] = best, iscratch[warp] = arg;
    __syncthreads();
    if (threadIdx.x == 0)
        for (int w = 1; w < warps; ++w) argmax_combine(best, arg, scratch[w], iscratch[w], none);
}

}  // namespace imram::IMRAM_CUDA_NS
