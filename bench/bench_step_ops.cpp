// SPDX-License-Identifier: MIT
// One matching step's fused tape ops against the composition they replace, forward + backward, at the
// real sizes (D = 1024, R = 36 regions, L = 14 words, P = 96 pairs: the ~3B pairs of a B = 32 step):
//   * per-step cosine: gram_cosine(alpha, S, G, |x|) vs cosine_similarity(x, bmm(alpha, y)), for the
//     text direction (Lq = L, Ls = R) and the image direction (Lq = R, Ls = L). S, G and |x| serve every
//     step in the model, so only the op itself is timed on the fused side;
//   * memory update: gated_memory(q, pre) vs tanh / sigmoid / slices / mul / sub / add (+ l2norm).
// And CAMP's gate, fusion and residual after its fusion GEMM, at the same P, R, L and D:
//   * camp_gated_fusion(x, f, y) vs sigmoid(sum(mul(x, f))) / mul / relu / add, for the regions (R rows a
//     pair) and the words (L rows a pair);
//   * message passing: scaled_dot_attention(q, k, v, valid) vs bmm / mul / masked softmax / bmm, regions
//     attending to words (n = R, m = L, the words' mask) and words to regions (n = L, m = R);
//   * summary: attention_pool(x, e, valid) vs masked softmax / mean over 4 heads / mul / sum, over the
//     regions and the words.
// And PCME's match probability at its training sizes (N = M = 128 items, K = J = 7 samples, D = 1024), fused
// only (its composition would form a 128 x 128 x 7 x 7 x 1024 difference tensor, 3 GB in f32):
//   * match_log_prob(za, zb, a, b, positive), forward + backward, the diagonal as positives.
#include <benchmark/benchmark.h>

#include "core/ops.h"

using namespace imram;

namespace {

constexpr std::int64_t kP = 96, kD = 1024, kR = 36, kL = 14;

Tensor leaf(const Shape& s, std::uint64_t seed) {
    return randn(s, seed).set_requires_grad();
}

void zero_grads(std::vector<Tensor> ts) {  // handles: the copies share the tensors
    for (Tensor& t : ts) t.zero_grad();
}

// Args: 0 = text direction (words attend to regions), 1 = image direction.
void BM_step_cosine_composed(benchmark::State& st) {
    const std::int64_t Lq = st.range(0) == 0 ? kL : kR, Ls = st.range(0) == 0 ? kR : kL;
    const Tensor x = leaf({kP, Lq, kD}, 1), y = leaf({kP, Ls, kD}, 2);
    const Tensor alpha = softmax(randn({kP, Lq, Ls}, 3), -1).detach().set_requires_grad();
    for (auto _ : st) {
        zero_grads({x, y, alpha});
        sum(cosine_similarity(x, bmm(alpha, y))).backward();
    }
}
void BM_step_cosine_gram(benchmark::State& st) {
    const std::int64_t Lq = st.range(0) == 0 ? kL : kR, Ls = st.range(0) == 0 ? kR : kL;
    const Tensor x = randn({kP, Lq, kD}, 1), y = randn({kP, Ls, kD}, 2);
    const Tensor S = bmm(y, transpose(x, 1, 2)).set_requires_grad(), G = bmm(y, transpose(y, 1, 2)).set_requires_grad();
    const Tensor xn = norm(x, -1).set_requires_grad();
    const Tensor alpha = softmax(randn({kP, Lq, Ls}, 3), -1).detach().set_requires_grad();
    for (auto _ : st) {
        zero_grads({S, G, xn, alpha});
        sum(gram_cosine(alpha, S, G, xn)).backward();
    }
}

// Args: 0 = --no_IMRAM_norm (the official scripts), 1 = l2-normalised memory output.
void BM_step_memory_composed(benchmark::State& st) {
    const Tensor q = leaf({kP * kL, kD}, 4), pre = leaf({kP * kL, 2 * kD}, 5);
    for (auto _ : st) {
        zero_grads({q, pre});
        const Tensor o = tanh(slice(pre, -1, 0, kD)), g = sigmoid(slice(pre, -1, kD, 2 * kD));
        const Tensor u = add(o, mul(g, sub(q, o)));
        sum(st.range(0) ? l2norm(u) : u).backward();
    }
}
void BM_step_memory_fused(benchmark::State& st) {
    const Tensor q = leaf({kP * kL, kD}, 4), pre = leaf({kP * kL, 2 * kD}, 5);
    for (auto _ : st) {
        zero_grads({q, pre});
        sum(gated_memory(q, pre, st.range(0) != 0)).backward();
    }
}

// Args: 0 = the regions (R rows a pair), 1 = the words (L rows a pair).
void BM_camp_fusion_composed(benchmark::State& st) {
    const std::int64_t n = st.range(0) == 0 ? kR : kL;
    const Tensor x = leaf({kP, n, kD}, 6), f = leaf({kP, n, kD}, 7), y = leaf({kP, n, kD}, 8);
    for (auto _ : st) {
        zero_grads({x, f, y});
        const Tensor g = sigmoid(sum(mul(x, f), {2}, true));
        sum(add(relu(mul(y, g)), x)).backward();
    }
}
void BM_camp_fusion_fused(benchmark::State& st) {
    const std::int64_t n = st.range(0) == 0 ? kR : kL;
    const Tensor x = leaf({kP, n, kD}, 6), f = leaf({kP, n, kD}, 7), y = leaf({kP, n, kD}, 8);
    for (auto _ : st) {
        zero_grads({x, f, y});
        sum(camp_gated_fusion(x, f, y)).backward();
    }
}

/// Words 0..9 of 14 valid in every pair (a typical caption in a padded batch).
Tensor word_mask() {
    std::vector<std::uint8_t> m(static_cast<std::size_t>(kP * kL));
    for (std::size_t k = 0; k < m.size(); ++k) m[k] = k % kL < 10 ? 1 : 0;
    return from_vector(m, {kP, kL});
}

// Args: 0 = regions attend to words (n = R, m = L, masked keys), 1 = words attend to regions.
void BM_camp_attention_composed(benchmark::State& st) {
    const std::int64_t n = st.range(0) == 0 ? kR : kL, m = st.range(0) == 0 ? kL : kR;
    const Tensor q = leaf({kP, n, kD}, 9), k = leaf({kP, m, kD}, 10), v = leaf({kP, m, kD}, 11);
    const Tensor valid = st.range(0) == 0 ? unsqueeze(word_mask(), 1) : Tensor();
    for (auto _ : st) {
        zero_grads({q, k, v});
        sum(bmm(softmax(mul(bmm(q, transpose(k, 1, 2)), 1.0 / 32), 2, valid), v)).backward();
    }
}
void BM_camp_attention_fused(benchmark::State& st) {
    const std::int64_t n = st.range(0) == 0 ? kR : kL, m = st.range(0) == 0 ? kL : kR;
    const Tensor q = leaf({kP, n, kD}, 9), k = leaf({kP, m, kD}, 10), v = leaf({kP, m, kD}, 11);
    const Tensor valid = st.range(0) == 0 ? word_mask() : Tensor();
    for (auto _ : st) {
        zero_grads({q, k, v});
        sum(scaled_dot_attention(q, k, v, valid, 1.0 / 32)).backward();
    }
}

// Args: 0 = the regions (no mask), 1 = the words (masked).
void BM_camp_summary_composed(benchmark::State& st) {
    const std::int64_t n = st.range(0) == 0 ? kR : kL;
    const Tensor x = leaf({kP, n, kD}, 12), e = leaf({kP, n, 4}, 13);
    const Tensor valid = st.range(0) == 0 ? Tensor() : unsqueeze(word_mask(), 2);
    for (auto _ : st) {
        zero_grads({x, e});
        sum(sum(mul(x, mean(softmax(e, 1, valid), {2}, true)), {1})).backward();
    }
}
void BM_camp_summary_fused(benchmark::State& st) {
    const std::int64_t n = st.range(0) == 0 ? kR : kL;
    const Tensor x = leaf({kP, n, kD}, 12), e = leaf({kP, n, 4}, 13);
    const Tensor valid = st.range(0) == 0 ? Tensor() : word_mask();
    for (auto _ : st) {
        zero_grads({x, e});
        sum(attention_pool(x, e, valid)).backward();
    }
}

void BM_pcme_match_fused(benchmark::State& st) {
    constexpr std::int64_t kN = 128, kK = 7;
    // Samples of norm ~1, as PCME's (l2-normalised means plus small noise), so the sigmoids are not saturated.
    const Tensor za = mul(randn({kN, kK, kD}, 14), 1.0 / 32).set_requires_grad();
    const Tensor zb = mul(randn({kN, kK, kD}, 15), 1.0 / 32).set_requires_grad();
    const Tensor a = full({1}, 1.0).set_requires_grad(), b = full({1}, 1.0).set_requires_grad();
    std::vector<float> eye(static_cast<std::size_t>(kN * kN), 0.0f);
    for (std::int64_t i = 0; i < kN; ++i) eye[static_cast<std::size_t>(i * kN + i)] = 1.0f;
    const Tensor positive = from_vector(eye, {kN, kN});
    for (auto _ : st) {
        zero_grads({za, zb, a, b});
        sum(match_log_prob(za, zb, a, b, positive)).backward();
    }
}

}  // namespace

BENCHMARK(BM_step_cosine_composed)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_step_cosine_gram)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_step_memory_composed)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_step_memory_fused)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_camp_fusion_composed)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_camp_fusion_fused)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_camp_attention_composed)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_camp_attention_fused)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_camp_summary_composed)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_camp_summary_fused)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_pcme_match_fused)->Unit(benchmark::kMillisecond);
