// SPDX-License-Identifier: MIT
// SGEMM throughput: the engine's matmul (cpu backend) on each GEMM library the build has
// (BM_matmul_engine/<library>, kernels/cpu/blas.h), next to plain Eigen and, when installed, OpenBLAS
// cblas_sgemm with its own threads, on the same shapes in the same run. Reported as GFLOP/s (2 M N K
// per call) and as a fraction of the machine's measured fp32 peak (bench/peak_flops.h).
// Note: OpenBLAS speed depends on OPENBLAS_CORETYPE (this environment sets Haswell); the value in
// effect is printed in the benchmark context so results are never quoted without it.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/autograd.h"
#include "bench/peak_flops.h"
#include "core/ops.h"
#include "kernels/cpu/blas.h"
#include "kernels/cpu/eigen_core.h"
#ifdef IMRAM_BENCH_HAVE_CBLAS
#include <cblas.h>
#endif

using namespace imram;

namespace {

/// GFLOP/s (a rate over the timed iterations) and, measured around the loop by the caller, the fraction
/// of the machine's fp32 peak (a plain number: benchmark counters flagged as rates print "/s").
void set_flops(benchmark::State& st, double M, double N, double K, double loop_seconds) {
    const double flops = 2.0 * M * N * K * static_cast<double>(st.iterations());
    st.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsRate);
    st.counters["of_peak"] = flops * 1e-9 / loop_seconds / bench::fp32_peak().gflops;
}

/// Seconds since `t0`.
double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void add_shapes(benchmark::internal::Benchmark* b) {
    b->Args({256, 256, 256})->Args({512, 512, 512})->Args({1024, 1024, 1024});
    // IMRAM shapes: regions x features -> embed (B*36, 2048) x (2048, 1024); words x embed.
    b->Args({1152, 1024, 2048})->Args({448, 2048, 1024});
    // A GRU step of the text encoder: B = 32 hidden states x W_hh^T (1024 -> 3 x 1024).
    b->Args({32, 3072, 1024});
    b->Unit(benchmark::kMillisecond)->UseRealTime();
}

void BM_matmul_engine(benchmark::State& st) {
    const auto M = st.range(0), N = st.range(1), K = st.range(2);
    Tensor a = randn({M, K}, 1), b = randn({K, N}, 2);
    NoGradGuard no_grad;
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : st) benchmark::DoNotOptimize(matmul(a, b).raw_data());
    set_flops(st, M, N, K, since(t0));
}

/// For one benchmark's lifetime: the engine's GEMM runs on `lib` (the process's choice is restored
/// afterwards) and the benchmark is labelled with it; skipped when the build lacks `lib`.
struct LibraryChoice {
    LibraryChoice(benchmark::State& st, cpu::GemmLibrary lib) : state(st), saved(cpu::gemm_library()) {
        built = cpu::gemm_library_built(lib);
        if (!built) {
            st.SkipWithError("not in this build");
            return;
        }
        cpu::set_gemm_library(lib);
    }
    ~LibraryChoice() {
        if (!built) return;
        state.SetLabel(cpu::gemm_library_description());
        cpu::set_gemm_library(saved);
    }
    LibraryChoice(const LibraryChoice&) = delete;
    LibraryChoice& operator=(const LibraryChoice&) = delete;
    benchmark::State& state;
    cpu::GemmLibrary saved;
    bool built = false;
};

/// The engine's matmul with one GEMM library (the process's choice is restored afterwards).
void BM_matmul_library(benchmark::State& st, cpu::GemmLibrary lib) {
    const LibraryChoice use(st, lib);
    if (!use.built) return;
    const auto M = st.range(0), N = st.range(1), K = st.range(2);
    Tensor a = randn({M, K}, 1), b = randn({K, N}, 2);
    NoGradGuard no_grad;
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : st) benchmark::DoNotOptimize(matmul(a, b).raw_data());
    set_flops(st, M, N, K, since(t0));
}
BENCHMARK_CAPTURE(BM_matmul_library, onednn, cpu::GemmLibrary::OneDNN)->Apply(add_shapes);
BENCHMARK_CAPTURE(BM_matmul_library, openblas, cpu::GemmLibrary::OpenBLAS)->Apply(add_shapes);
BENCHMARK_CAPTURE(BM_matmul_library, eigen, cpu::GemmLibrary::Eigen)->Apply(add_shapes);

/// One single-threaded product per OpenMP thread, all at once: how the fused scorer and the batched
/// attention products use the library (blas_gemm inside a parallel region runs on the calling
/// thread). GFLOP/s counts every thread's work, so it compares with the threaded BM_matmul_library.
void BM_matmul_library_per_thread(benchmark::State& st, cpu::GemmLibrary lib) {
    const LibraryChoice use(st, lib);
    if (!use.built) return;
    const auto M = st.range(0), N = st.range(1), K = st.range(2);
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    const Tensor a = randn({M, K}, 1), b = randn({K, N}, 2);
    std::vector<float> c(static_cast<std::size_t>(threads * M * N));
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : st) {
#pragma omp parallel num_threads(threads)
        {
            int t = 0;
#ifdef _OPENMP
            t = omp_get_thread_num();
#endif
            cpu::blas_gemm<float>(false, false, M, N, K, 1.f, a.data<float>(), K, b.data<float>(), N, 0.f,
                                  c.data() + static_cast<std::size_t>(t) * M * N, N);
        }
        benchmark::DoNotOptimize(c.data());
    }
    set_flops(st, threads * M, N, K, since(t0));
}
BENCHMARK_CAPTURE(BM_matmul_library_per_thread, onednn, cpu::GemmLibrary::OneDNN)->Apply(add_shapes);
BENCHMARK_CAPTURE(BM_matmul_library_per_thread, openblas, cpu::GemmLibrary::OpenBLAS)->Apply(add_shapes);

void BM_matmul_eigen(benchmark::State& st) {
    const auto M = st.range(0), N = st.range(1), K = st.range(2);
    using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    Mat a = Mat::Random(M, K), b = Mat::Random(K, N), c(M, N);
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : st) {
        c.noalias() = a * b;
        benchmark::DoNotOptimize(c.data());
    }
    set_flops(st, M, N, K, since(t0));
}

#ifdef IMRAM_BENCH_HAVE_CBLAS
void BM_matmul_openblas(benchmark::State& st) {
    const auto M = st.range(0), N = st.range(1), K = st.range(2);
    Tensor a = randn({M, K}, 1), b = randn({K, N}, 2), c = empty({M, N});
    // The engine runs OpenBLAS single-threaded under its own OpenMP threads; this column is OpenBLAS
    // with its own thread pool over all cores, as a user would call it.
    openblas_set_num_threads(static_cast<int>(std::thread::hardware_concurrency()));
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : st) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.f, a.data<float>(), K, b.data<float>(), N,
                    0.f, c.data<float>(), N);
        benchmark::DoNotOptimize(c.raw_data());
    }
    openblas_set_num_threads(1);
    set_flops(st, M, N, K, since(t0));
    const char* core = std::getenv("OPENBLAS_CORETYPE");
    st.SetLabel(std::string("OPENBLAS_CORETYPE=") + (core ? core : "(unset)"));
}
BENCHMARK(BM_matmul_openblas)->Apply(add_shapes);
#endif

BENCHMARK(BM_matmul_engine)->Apply(add_shapes);
BENCHMARK(BM_matmul_eigen)->Apply(add_shapes);

}  // namespace
