// SPDX-License-Identifier: MIT
// CUDA atomics as real host atomics: blocks may run on several worker OS threads at once. Relaxed
// ordering, like CUDA's (fences are __threadfence*). Floating-point adds are compare-and-swap loops
// inside std::atomic_ref, so their order (and rounding) depends on the schedule, as on a GPU.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>

namespace simt::detail {
template <class T, class F>
T atomic_update(T* address, F f) {
    std::atomic_ref<T> ref(*address);
    T old = ref.load(std::memory_order_relaxed);
    while (!ref.compare_exchange_weak(old, f(old), std::memory_order_relaxed)) {
    }
    return old;
}
}  // namespace simt::detail

#define SIMT_ATOMIC_INT_FAMILY(T)                                                                                    \
    inline T atomicAdd(T* a, T v) { return __atomic_fetch_add(a, v, __ATOMIC_RELAXED); }                          \
    inline T atomicSub(T* a, T v) { return __atomic_fetch_sub(a, v, __ATOMIC_RELAXED); }                          \
    inline T atomicAnd(T* a, T v) { return __atomic_fetch_and(a, v, __ATOMIC_RELAXED); }                          \
    inline T atomicOr(T* a, T v) { return __atomic_fetch_or(a, v, __ATOMIC_RELAXED); }                            \
    inline T atomicXor(T* a, T v) { return __atomic_fetch_xor(a, v, __ATOMIC_RELAXED); }                          \
    inline T atomicExch(T* a, T v) { return __atomic_exchange_n(a, v, __ATOMIC_RELAXED); }                        \
    inline T atomicMax(T* a, T v) {                                                                               \
        return simt::detail::atomic_update(a, [v](T old) { return old < v ? v : old; });                          \
    }                                                                                                             \
    inline T atomicMin(T* a, T v) {                                                                               \
        return simt::detail::atomic_update(a, [v](T old) { return v < old ? v : old; });                          \
    }                                                                                                             \
    inline T atomicCAS(T* a, T compare, T v) {                                                                    \
        __atomic_compare_exchange_n(a, &compare, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);                   \
        return compare;                                                                                           \
    }

SIMT_ATOMIC_INT_FAMILY(int)
SIMT_ATOMIC_INT_FAMILY(unsigned int)
SIMT_ATOMIC_INT_FAMILY(unsigned long long)
#undef SIMT_ATOMIC_INT_FAMILY
inline long long atomicMax(long long* a, long long v) {
    return simt::detail::atomic_update(a, [v](long long old) { return old < v ? v : old; });
}
inline long long atomicMin(long long* a, long long v) {
    return simt::detail::atomic_update(a, [v](long long old) { return v < old ? v : old; });
}

inline float atomicAdd(float* a, float v) { return std::atomic_ref<float>(*a).fetch_add(v, std::memory_order_relaxed); }
inline double atomicAdd(double* a, double v) {
    return std::atomic_ref<double>(*a).fetch_add(v, std::memory_order_relaxed);
}
inline float atomicExch(float* a, float v) { return std::atomic_ref<float>(*a).exchange(v, std::memory_order_relaxed); }

/// Wrapping increment/decrement with a bound, as CUDA defines them.
inline unsigned int atomicInc(unsigned int* a, unsigned int bound) {
    return simt::detail::atomic_update(a, [bound](unsigned int old) { return old >= bound ? 0u : old + 1; });
}
inline unsigned int atomicDec(unsigned int* a, unsigned int bound) {
    return simt::detail::atomic_update(a, [bound](unsigned int old) { return (old == 0 || old > bound) ? bound : old - 1; });
}

inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_block() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_system() { std::atomic_thread_fence(std::memory_order_seq_cst); }
