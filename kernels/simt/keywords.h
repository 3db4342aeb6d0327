// SPDX-License-Identifier: MIT
// CUDA keywords and built-in types for g++. dim3/uint3 come from CUDA's own vector_types.h (which
// compiles as plain C++) when the toolkit headers are on the include path, otherwise from a minimal
// stand-in, so the emulator also builds on machines without CUDA.
#pragma once

#if __has_include(<vector_types.h>)
#include <vector_types.h>
#define SIMT_HAVE_CUDA_VECTOR_TYPES 1
#else
#define SIMT_HAVE_CUDA_VECTOR_TYPES 0
struct uint3 {
    unsigned int x, y, z;
};
struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
    constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
    constexpr operator uint3() const { return uint3{x, y, z}; }
};
#define __host__
#define __device__
#define __global__
#define __constant__
#define __managed__
#define __align__(n) __attribute__((aligned(n)))
#endif

// A kernel is an entry point: one defined in an unnamed namespace (so several TUs may include its
// header) is not "unused" just because this TU does not launch it.
#undef __global__
#define __global__ __attribute__((unused))
// Block-scope thread_local is implicitly static: one copy per worker OS thread, shared by the
// fibers of the block that worker runs, which is exactly what a block's static shared memory is.
#undef __shared__
#define __shared__ thread_local
// always_inline can fail to inline (recursion, sanitizer builds) and that is an error in g++.
#undef __forceinline__
#define __forceinline__ inline
#undef __noinline__
#define __noinline__ __attribute__((noinline))
#undef __launch_bounds__
#define __launch_bounds__(...)
#undef __grid_constant__
#define __grid_constant__

inline constexpr int warpSize = 32;
