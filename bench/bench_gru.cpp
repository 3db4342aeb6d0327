// SPDX-License-Identifier: MIT
// The text encoder's GRU (nn/gru.cpp) forward + backward at a training step's sizes: B = 32 captions of
// 8 to 20 words, 300-d word vectors, hidden 1024, bidirectional with the directions averaged (IMRAM,
// SCAN). Every parameter and the input take gradients, as in a step. The recurrence is B x H by
// H x 3H per word and direction, so its GEMMs are small-M and the weight (12 MB) streams through the
// cache at every word; this shows what that costs against the same run's SGEMM (BM_matmul_*).
#include <benchmark/benchmark.h>

#include <vector>

#include "core/autograd.h"
#include "core/ops.h"
#include "core/rng.h"
#include "nn/layers.h"

using namespace imram;

namespace {

constexpr std::int64_t kB = 32, kL = 20, kI = 300, kH = 1024;

std::vector<std::int64_t> lengths() {
    std::vector<std::int64_t> len(kB);
    for (std::int64_t b = 0; b < kB; ++b) len[b] = 8 + (b * 7) % 13;  // 8 ... 20
    return len;
}

void BM_gru_text_encoder(benchmark::State& st) {
    Philox rng(5);
    nn::GRU gru(kI, kH, true, rng);
    const std::vector<Tensor*> params = gru.parameters();
    for (Tensor* p : params) p->set_requires_grad();
    const Tensor x = randn({kB, kL, kI}, 7).set_requires_grad();
    const std::vector<std::int64_t> len = lengths();
    const bool backward = st.range(0) == 1;
    for (auto _ : st) {
        for (Tensor* p : params) p->zero_grad();
        Tensor xs = x;
        xs.zero_grad();
        if (backward) {
            sum(gru.forward(x, len)).backward();
        } else {
            NoGradGuard no_grad;
            benchmark::DoNotOptimize(gru.forward(x, len).raw_data());
        }
    }
    st.SetLabel(backward ? "forward + backward" : "forward, no tape");
}
BENCHMARK(BM_gru_text_encoder)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
