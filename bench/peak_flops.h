// SPDX-License-Identifier: MIT
// The machine's fp32 peak, measured: every OpenMP thread runs independent fused multiply-adds on the
// widest vectors the project's kernels may use (AVX-512 when the CPU has it and ONEDNN_MAX_CPU_ISA does
// not cap it, else AVX2; kernels/cpu/cpu_isa.h), chosen at run time. The yardstick the
// benchmarks divide by; it is what the FMA units deliver at the clock they reach with all cores busy.
#pragma once

#include <omp.h>

#include <chrono>

#include "kernels/cpu/cpu_isa.h"
#include "kernels/cpu/x86_intrinsics.h"

namespace imram::bench {

namespace detail {

// 12 independent chains cover an FMA latency of 4 cycles on 2 ports (and of 6 on 2, with room).
constexpr int kChains = 12;

__attribute__((target("avx512f"))) inline float fma_chains_avx512(long iters) {
    __m512 acc[kChains];
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_ps(0.001f * static_cast<float>(j));
    const __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
    for (long i = 0; i < iters; ++i) {
#pragma GCC unroll 12
        for (int j = 0; j < kChains; ++j) acc[j] = _mm512_fmadd_ps(acc[j], m, a);
    }
    __m512 s = acc[0];
    for (int j = 1; j < kChains; ++j) s = _mm512_add_ps(s, acc[j]);
    alignas(64) float out[16];  // not _mm512_reduce_add_ps: GCC 12 warns inside it (-Wuninitialized)
    _mm512_store_ps(out, s);
    float total = 0;
    for (float x : out) total += x;
    return total;
}

__attribute__((target("avx2,fma"))) inline float fma_chains_avx2(long iters) {
    __m256 acc[kChains];
    for (int j = 0; j < kChains; ++j) acc[j] = _mm256_set1_ps(0.001f * static_cast<float>(j));
    const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
    for (long i = 0; i < iters; ++i) {
#pragma GCC unroll 12
        for (int j = 0; j < kChains; ++j) acc[j] = _mm256_fmadd_ps(acc[j], m, a);
    }
    __m256 s = acc[0];
    for (int j = 1; j < kChains; ++j) s = _mm256_add_ps(s, acc[j]);
    alignas(32) float out[8];
    _mm256_store_ps(out, s);
    float total = 0;
    for (float x : out) total += x;
    return total;
}

}  // namespace detail

struct PeakEstimate {
    double gflops = 0;  // fp32, all OpenMP threads
    int threads = 0;
    int vector_bits = 0;  // 512 or 256
};

/// Measured once per process (about 0.5 s): the best of 3 timed rounds of 1.2e9 FMAs per thread.
inline PeakEstimate fp32_peak() {
    static const PeakEstimate peak = [] {
        PeakEstimate p;
        const bool wide = cpu::cpu_may_use_avx512();
        p.vector_bits = wide ? 512 : 256;
        const double flops_per_iter = 2.0 * detail::kChains * (wide ? 16 : 8);
        const long iters = 100'000'000;
        float sink = 0;  // printed nowhere; keeps the chains from being optimised away
        for (int round = 0; round < 3; ++round) {
            int threads = 1;
            const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel
            {
#pragma omp single
                threads = omp_get_num_threads();
                const float r = wide ? detail::fma_chains_avx512(iters) : detail::fma_chains_avx2(iters);
#pragma omp atomic
                sink += r;
            }
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            const double rate = flops_per_iter * static_cast<double>(iters) * threads / secs * 1e-9;
            if (rate > p.gflops) p.gflops = rate, p.threads = threads;
        }
        asm volatile("" : : "r"(sink));
        return p;
    }();
    return peak;
}

}  // namespace imram::bench
