// SPDX-License-Identifier: MIT
// The memory unit's gate row (kernels/cpu/gate_row.h) at the fused scorer's sizes: an image's 32
// captions x 36 regions = 1,152 rows of D = 1024 against a (1152, 2D) pre-activation that, as in the
// scorer, is too large for L2 and streams (second argument 1), or, to see the arithmetic alone, 32 rows
// reused from cache (0); the hoisted term is one bias row. Portable (Eigen) kernel against the AVX-512
// one where the CPU has it. One thread; items = rows. First argument: l2-normalise the row.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/cpu/gate_row.h"

namespace {

constexpr std::int64_t kRows = 1152, kD = 1024;

template <bool Avx512>
void BM_gate_row(benchmark::State& st) {
    if (Avx512 && !imram::cpu::gate_row_has_avx512()) {
        st.SkipWithError("no AVX-512 here (or ONEDNN_MAX_CPU_ISA caps it)");
        return;
    }
    std::mt19937 gen(3);
    std::normal_distribution<float> n(0.f, 1.f);
    std::vector<float> q(kRows * kD), pre(kRows * 2 * kD), bias(2 * kD);
    for (float& v : q) v = n(gen);
    for (float& v : pre) v = n(gen);
    for (float& v : bias) v = 0.1f * n(gen);
    const bool normalize = st.range(0) != 0;
    const std::int64_t distinct = st.range(1) != 0 ? kRows : 32;
    for (auto _ : st) {
        for (std::int64_t r = 0; r < kRows; ++r) {
            float* row = q.data() + (r % distinct) * kD;
            if (Avx512) imram::cpu::gate_row_avx512(row, row, pre.data() + (r % distinct) * 2 * kD, bias.data(), kD, normalize);
            else imram::cpu::gate_row_portable(row, row, pre.data() + (r % distinct) * 2 * kD, bias.data(), kD, normalize);
        }
        benchmark::DoNotOptimize(q.data());
    }
    st.SetItemsProcessed(st.iterations() * kRows);
    st.SetBytesProcessed(st.iterations() * kRows * kD * 4 * 4);  // pre (2D) read, q read and written
}

}  // namespace

BENCHMARK(BM_gate_row<false>)->Name("BM_gate_row/portable")->ArgsProduct({{0, 1}, {0, 1}})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_gate_row<true>)->Name("BM_gate_row/avx512")->ArgsProduct({{0, 1}, {0, 1}})->Unit(benchmark::kMicrosecond);
