// SPDX-License-Identifier: MIT
#include "models/hardest_negative_bce.h"

#include <chrono>
#include <cmath>

#include "core/ops.h"
#include "models/pair_gradients.h"
#include "models/triplet_loss.h"

namespace imram::models {
namespace {

double clamped(double s) { return std::min(std::max(s, kBceClamp), 1.0 - kBceClamp); }
/// d clamp(s) / ds, as the clamp op (and PyTorch): 1 inside [lo, hi], bounds included.
double passes(double s) { return s >= kBceClamp && s <= 1.0 - kBceClamp ? 1.0 : 0.0; }

}  // namespace

Tensor hardest_negative_bce(const Tensor& s, bool max_violation, const NotNegative& not_negative) {
    IMRAM_CHECK(s.dim() == 2 && s.size(0) == s.size(1) && s.size(0) > 1,
                "hardest_negative_bce: expected a square (B, B) score matrix with B > 1, got ", s.describe());
    const std::int64_t n = s.size(0);
    check_not_negative(not_negative, n);
    const Tensor eye = excluded_pairs(n, {}, s.device());
    const Tensor excluded = excluded_pairs(n, not_negative, s.device());
    const Tensor p = clamp(s, kBceClamp, 1.0 - kBceClamp);
    const Tensor log_pos = sum(where(eye, log(p), scalar_like(s, 0.0)), {1});  // (B) log P_ii
    // log(1 - P) with the excluded pairs 0: every other entry is negative, so the min never picks them.
    const Tensor log_neg = masked_fill(log(add(neg(p), 1.0)), excluded, 0.0);
    if (!max_violation)
        return neg(add(mean(log_pos), div(sum(log_neg), scalar_like(s, static_cast<double>(n * n)))));
    const Tensor row_min = neg(max(neg(log_neg), 1).values);  // min over the captions of each image
    const Tensor col_min = neg(max(neg(log_neg), 0).values);  // min over the images of each caption
    return neg(add(mul(sum(log_pos), 2.0), add(sum(row_min), sum(col_min))));
}

StepResult hardest_negative_bce_step(const RetrievalModel& model, const Tensor& features, const Tensor& ids,
                                     const std::vector<std::int64_t>& lengths, const StepOptions& opt) {
    const NotNegative& not_negative = opt.not_negative;
    const EncodedBatch b = encode_batch(model, features, ids, lengths, "hardest_negative_bce_step");
    const auto t0 = std::chrono::steady_clock::now();  // the B x B scoring and the loss from here
    const std::int64_t n = b.n;
    check_not_negative(not_negative, n);
    StepResult out;
    out.scores = score_all_shared(model, b.leaves);
    const bool masked = !not_negative.empty();
    const HardNegatives h = hardest_negatives_on_host(
        masked ? masked_fill(out.scores, excluded_pairs(n, not_negative, out.scores.device()), -1e30) : out.scores);
    if (!out.scores.device().is_host()) out.scores = out.scores.to(Device::cpu());
    auto S = [&](std::int64_t i, std::int64_t j) { return out.scores.at(i * n + j); };
    auto negative = [&](std::int64_t i, std::int64_t j) {
        return i != j && !(masked && not_negative[static_cast<std::size_t>(i * n + j)]);
    };
    PairCoefficients coef;  // dL / dS_ij
    // -w log P and -w log(1 - P) with their gradients -w / P and w / (1 - P) where the clamp passes one.
    auto positive_term = [&](std::int64_t i, double w) {
        out.loss -= w * std::log(clamped(S(i, i)));
        coef[{i, i}] -= w * passes(S(i, i)) / clamped(S(i, i));
    };
    auto negative_term = [&](std::int64_t i, std::int64_t j, double w) {
        out.loss -= w * std::log(1.0 - clamped(S(i, j)));
        coef[{i, j}] += w * passes(S(i, j)) / (1.0 - clamped(S(i, j)));
    };
    if (opt.max_violation) {
        for (std::int64_t i = 0; i < n; ++i) positive_term(i, 2.0);
        // A row (column) with no negative at all contributes log(1 - P) of an excluded pair: 0.
        for (std::int64_t i = 0; i < n; ++i)
            if (negative(i, h.row_neg[i])) negative_term(i, h.row_neg[i], 1.0);
        for (std::int64_t j = 0; j < n; ++j)
            if (negative(h.col_neg[j], j)) negative_term(h.col_neg[j], j, 1.0);
    } else {
        const double B = static_cast<double>(n);
        for (std::int64_t i = 0; i < n; ++i) positive_term(i, 1.0 / B);
        for (std::int64_t i = 0; i < n; ++i)
            for (std::int64_t j = 0; j < n; ++j)
                if (negative(i, j)) negative_term(i, j, 1.0 / (B * B));
    }
    out.phases.encode = b.encode_seconds;
    out.phases.score_all = elapsed_seconds(t0);
    out.pairs_backpropagated = backprop_pairs(model, b, coef, opt.chunk_pairs, &out.phases);
    return out;
}

LossPlateau bce_plateau(std::int64_t batch, bool max_violation) {
    if (!max_violation) return {};
    return {4.0 * static_cast<double>(batch) * std::log(2.0), kBceCollapseSpread, kBceCollapseGap, "4 x batch x ln 2"};
}

}  // namespace imram::models
