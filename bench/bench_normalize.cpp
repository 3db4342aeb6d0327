// SPDX-License-Identifier: MIT
// Memory-bound fused ops: softmax (last dim, with and without a mask) and l2norm, forward and
// backward, on the cpu backend. Reported as GB/s of compulsory traffic (read inputs once, write outputs once).
#include <benchmark/benchmark.h>

#include "core/autograd.h"
#include "core/ops.h"

using namespace imram;

namespace {

void set_bytes(benchmark::State& st, double bytes_per_call) {
    st.counters["GB/s"] =
        benchmark::Counter(bytes_per_call * static_cast<double>(st.iterations()) * 1e-9, benchmark::Counter::kIsRate);
}

// Rows x cols: attention logits (B*L queries over 36 regions), and embedding rows of 1024.
void shapes(benchmark::internal::Benchmark* b) {
    b->Args({4096, 36})->Args({16384, 36})->Args({4096, 1024})->Unit(benchmark::kMicrosecond)->UseRealTime();
}

void BM_softmax_fwd(benchmark::State& st) {
    Tensor x = randn({st.range(0), st.range(1)}, 1);
    NoGradGuard ng;
    for (auto _ : st) benchmark::DoNotOptimize(softmax(x, -1).raw_data());
    set_bytes(st, 2.0 * x.nbytes());
}

void BM_softmax_masked_fwd(benchmark::State& st) {
    Tensor x = randn({st.range(0), st.range(1)}, 1);
    Tensor valid = full({st.range(0), st.range(1)}, 1, DType::Bool);
    NoGradGuard ng;
    for (auto _ : st) benchmark::DoNotOptimize(softmax(x, -1, valid).raw_data());
    set_bytes(st, 2.0 * x.nbytes() + valid.nbytes());
}

void BM_softmax_fwd_bwd(benchmark::State& st) {
    Tensor x = randn({st.range(0), st.range(1)}, 1).set_requires_grad();
    Tensor seed = randn({st.range(0), st.range(1)}, 2);
    for (auto _ : st) {
        softmax(x, -1).backward(seed);
        benchmark::DoNotOptimize(x.grad().raw_data());
        x.zero_grad();
    }
    set_bytes(st, 5.0 * x.nbytes());  // fwd: read x, write y; bwd: read y, dy, write dx
}

void BM_l2norm_fwd(benchmark::State& st) {
    Tensor x = randn({st.range(0), st.range(1)}, 1);
    NoGradGuard ng;
    for (auto _ : st) benchmark::DoNotOptimize(l2norm(x).raw_data());
    set_bytes(st, 2.0 * x.nbytes());
}

void BM_l2norm_fwd_bwd(benchmark::State& st) {
    Tensor x = randn({st.range(0), st.range(1)}, 1).set_requires_grad();
    Tensor seed = randn({st.range(0), st.range(1)}, 2);
    for (auto _ : st) {
        l2norm(x).backward(seed);
        benchmark::DoNotOptimize(x.grad().raw_data());
        x.zero_grad();
    }
    set_bytes(st, 5.0 * x.nbytes());
}

BENCHMARK(BM_softmax_fwd)->Apply(shapes);
BENCHMARK(BM_softmax_masked_fwd)->Apply(shapes);
BENCHMARK(BM_softmax_fwd_bwd)->Apply(shapes);
BENCHMARK(BM_l2norm_fwd)->Apply(shapes);
BENCHMARK(BM_l2norm_fwd_bwd)->Apply(shapes);

}  // namespace
