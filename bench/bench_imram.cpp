// SPDX-License-Identifier: MIT
// The fused scoring path at the real sizes (D = 1024, R = 36, captions of 8-20 tokens), next to the
// same run's SGEMM:
//   * SCAN t2i (one attention step): GFLOP/s of logit work (2 R L D per pair) and that rate as a
//     percentage of the SGEMM rate measured in the same process (counter "pct_of_sgemm");
//   * full / text / image IMRAM, K = 3: microseconds per pair and pairs per second.
#include <benchmark/benchmark.h>

#include <chrono>

#include "core/autograd.h"
#include "core/ops.h"
#include "core/rng.h"
#include "models/imram/model.h"
#include "bench/sgemm_rate.h"

using namespace imram;
using namespace imram::models;

namespace {

constexpr std::int64_t kD = 1024, kR = 36, kL = 20;

/// Already-encoded items (random unit fragments), so only scoring is timed.
struct Items {
    Encoded e;
    double words = 0;
};
Items make_items(std::int64_t n_img, std::int64_t n_cap) {
    Items it;
    it.e.images = l2norm(randn({n_img, kR, kD}, 3));
    Tensor caps = l2norm(randn({n_cap, kL, kD}, 4));
    Philox rng(5);
    std::vector<std::uint8_t> pad(static_cast<std::size_t>(n_cap * kL), 0);
    for (std::int64_t j = 0; j < n_cap; ++j) {
        const std::int64_t len = 8 + static_cast<std::int64_t>(rng.below(13));
        it.e.lengths.push_back(len);
        it.words += static_cast<double>(len);
        for (std::int64_t t = len; t < kL; ++t) pad[j * kL + t] = 1;
    }
    it.e.captions = masked_fill(caps, unsqueeze(from_vector(pad, {n_cap, kL}), 2), 0.0);
    return it;
}

ModelConfig config(Mode m) {
    ModelConfig c;
    c.mode = m;
    c.vocab_size = 100;
    c.no_imram_norm = true;
    return c;
}

void BM_scan_t2i_fused(benchmark::State& st) {
    const Items it = make_items(st.range(0), st.range(1));
    ImramModel model(config(Mode::ScanT2I), 1);
    const double gemm = bench::sgemm_rate();
    double secs = 0;
    for (auto _ : st) {
        const auto t0 = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(model.score_all(it.e).raw_data());
        secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    const double calls = static_cast<double>(st.iterations());
    const double logit_gflops = 2.0 * kR * kD * it.words * static_cast<double>(st.range(0)) * calls / secs * 1e-9;
    st.counters["logit_GFLOP/s"] = logit_gflops;
    st.counters["sgemm_GFLOP/s"] = gemm;
    st.counters["pct_of_sgemm"] = 100.0 * logit_gflops / gemm;
    st.counters["us_per_pair"] = secs / calls / static_cast<double>(st.range(0) * st.range(1)) * 1e6;
}

void BM_imram_fused(benchmark::State& st) {
    const Mode mode = static_cast<Mode>(st.range(2));
    const Items it = make_items(st.range(0), st.range(1));
    ImramModel model(config(mode), 1);
    for (auto _ : st) benchmark::DoNotOptimize(model.score_all(it.e).raw_data());
    const double pairs = static_cast<double>(st.range(0) * st.range(1));
    st.counters["pairs/s"] = benchmark::Counter(pairs * static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
    st.SetLabel(mode_name(mode));
}

BENCHMARK(BM_scan_t2i_fused)->Args({64, 640})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_imram_fused)
    ->Args({8, 64, static_cast<int>(Mode::FullIMRAM)})
    ->Args({8, 64, static_cast<int>(Mode::TextIMRAM)})
    ->Args({8, 64, static_cast<int>(Mode::ImageIMRAM)})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
