// SPDX-License-Identifier: MIT
// Portability header for kernel sources (.cuh): the same source compiles with nvcc into real CUDA
// and with g++ into the SIMT emulator (docs/simt.md). Kernels use plain CUDA plus two macros that
// have no direct CUDA spelling an emulator could intercept:
//   SIMT_DYNAMIC_SHARED(T, name)   T* name = the block's dynamic shared memory
//   SIMT_LAUNCH(kernel, grid, block, smem_bytes, stream, args...)   kernel<<<grid, block, smem, stream>>>(args...)
// SIMT_EMULATED is 1 in the emulator and 0 under nvcc.
#pragma once

#if defined(__CUDACC__)

#include <cuda_runtime.h>

#define SIMT_EMULATED 0
using simt_stream_t = cudaStream_t;

// One byte array for every kernel: extern __shared__ arrays of different types under one name clash.
#define SIMT_DYNAMIC_SHARED(T, name)                                   \
    extern __shared__ __align__(16) unsigned char simt_dynamic_smem_[]; \
    T* name = reinterpret_cast<T*>(simt_dynamic_smem_)

#define SIMT_LAUNCH(kernel, grid, block, smem_bytes, stream, ...) \
    kernel<<<grid, block, smem_bytes, stream>>>(__VA_ARGS__)

template <class... P>
int simt_set_max_dynamic_shared(void (*kernel)(P...), size_t bytes) {
    return static_cast<int>(
        cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)));
}

#else

#include "kernels/simt/emulator.h"

#endif
