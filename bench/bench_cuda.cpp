// SPDX-License-Identifier: MIT
// Google Benchmark cases for the CUDA kernels through the engine's ops, on a real GPU (cuda:0)
// and on the SIMT emulator. GPU cases synchronise before stopping the clock and report bytes/s or
// FLOP/s; without a GPU they are skipped with the reason.
#include <benchmark/benchmark.h>

#include <string>

#include "core/autograd.h"
#include "core/ops.h"
#include "kernels/cuda/memory.h"
#include "models/imram/model.h"

using namespace imram;

namespace {

bool usable(benchmark::State& st, Device dev) {
    if (dev.type != DeviceType::CUDA) return true;
    std::string why;
    if (gpu::cuda_device_count(&why) > 0) return true;
    st.SkipWithError(("no CUDA device: " + why).c_str());
    return false;
}

Device device_of(int kind) {
    return kind == 0 ? Device::cuda(0) : Device::cuda_emulated();
}

// IMRAM/SCAN attention weights: P pairs of (Ls = 36 regions, Lq words).
void BM_clipped_attention(benchmark::State& st) {
    const Device dev = device_of(static_cast<int>(st.range(0)));
    if (!usable(st, dev)) return;
    const std::int64_t P = st.range(1), Ls = 36, Lq = 16;
    const Tensor A = randn({P, Ls, Lq}, 1, 0).to(dev);
    for (auto _ : st) {
        Tensor alpha = clipped_attention(A, Tensor(), Tensor(), 9.0);
        gpu::synchronize(dev);
        benchmark::DoNotOptimize(alpha);
    }
    st.SetBytesProcessed(st.iterations() * P * Ls * Lq * 2 * 4);
}
BENCHMARK(BM_clipped_attention)->Args({0, 4096})->Args({1, 16})->Unit(benchmark::kMicrosecond);

// Row l2norm at the model's width.
void BM_l2norm(benchmark::State& st) {
    const Device dev = device_of(static_cast<int>(st.range(0)));
    if (!usable(st, dev)) return;
    const std::int64_t N = st.range(1), D = 1024;
    const Tensor x = randn({N, D}, 2, 0).to(dev);
    for (auto _ : st) {
        Tensor y = l2norm(x);
        gpu::synchronize(dev);
        benchmark::DoNotOptimize(y);
    }
    st.SetBytesProcessed(st.iterations() * N * D * 2 * 4);
}
BENCHMARK(BM_l2norm)->Args({0, 36 * 128})->Args({1, 8})->Unit(benchmark::kMicrosecond);

// Row-major GEMM through cuBLAS (or its emulated twin).
void BM_matmul(benchmark::State& st) {
    const Device dev = device_of(static_cast<int>(st.range(0)));
    if (!usable(st, dev)) return;
    const std::int64_t n = st.range(1);
    const Tensor a = randn({n, n}, 3, 0).to(dev), b = randn({n, n}, 4, 0).to(dev);
    for (auto _ : st) {
        Tensor c = matmul(a, b);
        gpu::synchronize(dev);
        benchmark::DoNotOptimize(c);
    }
    st.counters["FLOP/s"] = benchmark::Counter(2.0 * n * n * n * st.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_matmul)->Args({0, 1024})->Args({0, 4096})->Args({1, 64})->Unit(benchmark::kMicrosecond);

// The whole (images x captions) score matrix of full IMRAM (K 3, D 1024, 36 regions, 16 words) without
// the tape: path 0 is score_all (the op imram_score_all), path 1 the batched op path score_matrix that
// evaluation on a GPU took before. Reports pairs per second.
void BM_score_all(benchmark::State& st) {
    const Device dev = device_of(static_cast<int>(st.range(0)));
    if (!usable(st, dev)) return;
    const std::int64_t Ni = st.range(2), Nc = st.range(3), R = 36, L = 16, D = 1024;
    models::ModelConfig c;
    c.mode = models::Mode::FullIMRAM, c.vocab_size = 100, c.iteration_step = 3, c.no_imram_norm = true;
    const models::ImramModel model(c, 1, DType::F32, dev);
    models::Encoded e;
    e.images = l2norm(randn({Ni, R, D}, 2, 0)).to(dev);
    e.captions = l2norm(randn({Nc, L, D}, 3, 0)).to(dev);
    for (std::int64_t j = 0; j < Nc; ++j) e.lengths.push_back(6 + j % (L - 5));
    NoGradGuard no_grad;
    for (auto _ : st) {
        Tensor s = st.range(1) == 0 ? model.score_all(e) : model.score_matrix(e);
        gpu::synchronize(dev);
        benchmark::DoNotOptimize(s);
    }
    st.counters["pairs/s"] =
        benchmark::Counter(static_cast<double>(Ni * Nc * st.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_score_all)->Args({0, 0, 128, 640})->Args({0, 1, 128, 640})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
