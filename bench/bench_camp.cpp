// SPDX-License-Identifier: MIT
// CAMP's scoring at the real sizes (D = 1024, R = 36, captions of 8-20 words), next to the same run's
// SGEMM:
//   * BM_camp_score_all: the exact algebra of spec section 8 (models/camp/score_all.cpp);
//   * BM_camp_score_pairs: the official order of operations (score_pairs on every pair), the path
//     score_all replaced.
// Counters: microseconds per pair, pairs/s, and the rate of the one product that cannot be hoisted
// (SummaryAttn's first layer, 2 (R + L) D^2 FLOPs a pair) as a percentage of SGEMM.
#include <benchmark/benchmark.h>

#include <chrono>

#include "bench/sgemm_rate.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "core/rng.h"
#include "models/camp/model.h"

using namespace imram;
using namespace imram::models;

namespace {

constexpr std::int64_t kD = 1024, kR = 36, kL = 20, kF = 2048;

struct Setup {
    std::unique_ptr<CampModel> model;
    Encoded e;
    double words = 0;
};

Setup make(CampMode mode, std::int64_t n_img, std::int64_t n_cap) {
    Setup s;
    CampConfig c;
    c.mode = mode, c.vocab_size = 100, c.img_dim = kF, c.embed_size = kD;
    s.model = std::make_unique<CampModel>(c, 1);
    Philox rng(5);
    std::vector<std::int64_t> ids(static_cast<std::size_t>(n_cap * kL), 0), lengths;
    for (std::int64_t j = 0; j < n_cap; ++j) {
        const std::int64_t len = 8 + static_cast<std::int64_t>(rng.below(13));
        lengths.push_back(len);
        s.words += static_cast<double>(len);
        for (std::int64_t t = 0; t < len; ++t) ids[static_cast<std::size_t>(j * kL + t)] = 4 + static_cast<std::int64_t>(rng.below(96));
    }
    NoGradGuard ng;
    s.e = s.model->encode(relu(randn({n_img, kR, kF}, 3)), from_vector(ids, {n_cap, kL}), lengths);
    return s;
}

void report(benchmark::State& st, const Setup& s, double secs) {
    const double calls = static_cast<double>(st.iterations());
    const double pairs = static_cast<double>(s.e.images.size(0) * s.e.captions.size(0));
    const double floor_flops = 2.0 * static_cast<double>(kD * kD) *
                               (kR * static_cast<double>(s.e.captions.size(0)) + s.words) * static_cast<double>(s.e.images.size(0));
    st.counters["us_per_pair"] = secs / calls / pairs * 1e6;
    st.counters["pairs/s"] = pairs * calls / secs;
    st.counters["floor_pct_of_sgemm"] = 100.0 * floor_flops * calls / secs * 1e-9 / bench::sgemm_rate();
    st.counters["sgemm_GFLOP/s"] = bench::sgemm_rate();
}

void BM_camp_score_all(benchmark::State& st) {
    const Setup s = make(static_cast<CampMode>(st.range(2)), st.range(0), st.range(1));
    bench::sgemm_rate();
    double secs = 0;
    for (auto _ : st) {
        const auto t0 = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(s.model->score_all(s.e).raw_data());
        secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    report(st, s, secs);
    st.SetLabel(camp_mode_name(static_cast<CampMode>(st.range(2))));
}

void BM_camp_score_pairs(benchmark::State& st) {
    const Setup s = make(static_cast<CampMode>(st.range(2)), st.range(0), st.range(1));
    bench::sgemm_rate();
    const std::int64_t Ni = st.range(0), Nc = st.range(1);
    double secs = 0;
    for (auto _ : st) {
        const auto t0 = std::chrono::steady_clock::now();
        NoGradGuard ng;
        for (std::int64_t i = 0; i < Ni; ++i) {
            std::vector<std::int64_t> ii(static_cast<std::size_t>(Nc), i), cc;
            for (std::int64_t j = 0; j < Nc; ++j) cc.push_back(j);
            benchmark::DoNotOptimize(s.model->score_pairs(s.e, ii, cc).raw_data());
        }
        secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    report(st, s, secs);
    st.SetLabel(camp_mode_name(static_cast<CampMode>(st.range(2))));
}

BENCHMARK(BM_camp_score_all)
    ->Args({8, 64, static_cast<int>(CampMode::Gated)})
    ->Args({8, 64, static_cast<int>(CampMode::CrossAttention)})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_camp_score_pairs)
    ->Args({8, 64, static_cast<int>(CampMode::Gated)})
    ->Args({8, 64, static_cast<int>(CampMode::CrossAttention)})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
