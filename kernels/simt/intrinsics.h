// SPDX-License-Identifier: MIT
// Built-in variables, block barriers and warp intrinsics for emulated kernels. The intrinsics are
// ordinary functions whose trailing __builtin_FILE()/__builtin_LINE() default arguments capture the
// kernel line that called them, so errors point at the kernel source.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/simt/keywords.h"
#include "kernels/simt/launch.h"

#define threadIdx (static_cast<const ::uint3&>(*::simt::detail::tl_current.thread_idx))
#define blockIdx (static_cast<const ::uint3&>(::simt::detail::tl_current.block_idx))
#define blockDim (static_cast<const ::dim3&>(::simt::detail::tl_current.block_dim))
#define gridDim (static_cast<const ::dim3&>(::simt::detail::tl_current.grid_dim))

/// T* name = the block's dynamic shared memory (exactly the launch's smem bytes, filled with 0xFF).
#define SIMT_DYNAMIC_SHARED(T, name) T* name = reinterpret_cast<T*>(::simt::detail::tl_current.dynamic_smem)

namespace simt::detail {

enum BarrierKind : int { kSync = 0, kCount = 1, kAnd = 2, kOr = 3 };
enum WarpOp : int { kShfl = 0, kShflUp, kShflDown, kShflXor, kBallot, kAny, kAll, kSyncwarp, kWarpOpCount };

int block_barrier(int kind, int predicate, const char* file, int line);
uint64_t warp_exchange(int op, unsigned mask, uint64_t value, int arg, int width, const char* file, int line);
unsigned active_mask();
/// Lets the other threads of the block run (spin-wait helpers must call it, or they hang).
void yield_thread();
[[noreturn]] void trap(const char* file, int line);

template <class T>
T shuffle(int op, unsigned mask, T var, int arg, int width, const char* file, int line) {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8, "warp shuffles move values of at most 8 bytes");
    uint64_t bits = 0;
    std::memcpy(&bits, &var, sizeof(T));
    bits = warp_exchange(op, mask, bits, arg, width, file, line);
    T out;
    std::memcpy(&out, &bits, sizeof(T));
    return out;
}

}  // namespace simt::detail

inline void __syncthreads(const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
    simt::detail::block_barrier(simt::detail::kSync, 1, file, line);
}
inline int __syncthreads_count(int predicate, const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
    return simt::detail::block_barrier(simt::detail::kCount, predicate, file, line);
}
inline int __syncthreads_and(int predicate, const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
    return simt::detail::block_barrier(simt::detail::kAnd, predicate, file, line);
}
inline int __syncthreads_or(int predicate, const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
    return simt::detail::block_barrier(simt::detail::kOr, predicate, file, line);
}
inline void __syncwarp(unsigned mask = 0xffffffffu, const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
    simt::detail::warp_exchange(simt::detail::kSyncwarp, mask, 0, 0, warpSize, file, line);
}

template <class T>
T __shfl_sync(unsigned mask, T var, int srcLane, int width = warpSize, const char* file = __builtin_FILE(),
              int line = __builtin_LINE()) {
    return simt::detail::shuffle(simt::detail::kShfl, mask, var, srcLane, width, file, line);
}
template <class T>
T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = warpSize, const char* file = __builtin_FILE(),
                 int line = __builtin_LINE()) {
    return simt::detail::shuffle(simt::detail::kShflUp, mask, var, static_cast<int>(delta), width, file, line);
}
template <class T>
T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = warpSize, const char* file = __builtin_FILE(),
                   int line = __builtin_LINE()) {
    return simt::detail::shuffle(simt::detail::kShflDown, mask, var, static_cast<int>(delta), width, file, line);
}
template <class T>
T __shfl_xor_sync(unsigned mask, T var, int laneMask, int width = warpSize, const char* file = __builtin_FILE(),
                  int line = __builtin_LINE()) {
    return simt::detail::shuffle(simt::detail::kShflXor, mask, var, laneMask, width, file, line);
}

inline unsigned __ballot_sync(unsigned mask, int predicate, const char* file = __builtin_FILE(),
                              int line = __builtin_LINE()) {
    return static_cast<unsigned>(
        simt::detail::warp_exchange(simt::detail::kBallot, mask, predicate != 0, 0, warpSize, file, line));
}
inline int __any_sync(unsigned mask, int predicate, const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
    return static_cast<int>(simt::detail::warp_exchange(simt::detail::kAny, mask, predicate != 0, 0, warpSize, file, line));
}
inline int __all_sync(unsigned mask, int predicate, const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
    return static_cast<int>(simt::detail::warp_exchange(simt::detail::kAll, mask, predicate != 0, 0, warpSize, file, line));
}
/// The lanes of the caller's warp that exist and have not exited. Stricter than hardware, which
/// reports only the lanes converged at this instruction: use __ballot_sync to name a branch's lanes.
inline unsigned __activemask() { return simt::detail::active_mask(); }

inline void __nanosleep(unsigned /*ns*/) { simt::detail::yield_thread(); }
[[noreturn]] inline void __trap(const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
    simt::detail::trap(file, line);
}
