// SPDX-License-Identifier: MIT
#include "models/triplet_loss.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "core/autograd.h"
#include "core/ops.h"
#include "models/pair_gradients.h"

namespace imram::models {
namespace {
std::vector<std::uint8_t> diagonal(std::int64_t n) {
    std::vector<std::uint8_t> m(static_cast<std::size_t>(n * n), 0);
    for (std::int64_t i = 0; i < n; ++i) m[i * n + i] = 1;
    return m;
}
}  // namespace

Tensor contrastive_loss(const Tensor& s, double margin, bool max_violation, const NotNegative& not_negative) {
    IMRAM_CHECK(s.dim() == 2 && s.size(0) == s.size(1) && s.size(0) > 1,
                "contrastive_loss: expected a square (B, B) score matrix with B > 1, got ", s.describe());
    const std::int64_t n = s.size(0);
    check_not_negative(not_negative, n);
    const Tensor eye = from_vector(diagonal(n), {n, n}, s.device());
    const Tensor excluded = excluded_pairs(n, not_negative, s.device());
    const Tensor d = sum(where(eye, s, scalar_like(s, 0.0)), {1});  // (B) the diagonal
    const Tensor cost_s = masked_fill(relu(add(sub(s, unsqueeze(d, 1)), margin)), excluded, 0.0);   // vs S_ii
    const Tensor cost_im = masked_fill(relu(add(sub(s, unsqueeze(d, 0)), margin)), excluded, 0.0);  // vs S_jj
    if (!max_violation) return add(sum(cost_s), sum(cost_im));
    return add(sum(max(cost_s, 1).values), sum(max(cost_im, 0).values));
}

HardNegatives hardest_negatives_on_host(const Tensor& scores) {
    const HardestNegatives h = hardest_negatives(scores);
    return {h.row.to_vector<std::int64_t>(), h.col.to_vector<std::int64_t>()};
}

SparseLoss contrastive_loss_sparse(const RetrievalModel& model, const Encoded& e, double margin) {
    const std::int64_t n = e.images.size(0);
    IMRAM_CHECK(n > 1 && static_cast<std::int64_t>(e.lengths.size()) == n,
                "contrastive_loss_sparse: expected B > 1 images and B captions, got ", n, " and ", e.lengths.size());
    SparseLoss out;
    out.dense_scores = model.score_all(e);  // all B x B pairs, no tape
    const HardNegatives h = hardest_negatives_on_host(out.dense_scores);
    // Unique pairs to rescore with the tape: positives, then row and column hardest negatives.
    std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> slot;
    std::vector<std::int64_t> ii, cc;
    auto want = [&](std::int64_t i, std::int64_t j) {
        auto [it, fresh] = slot.emplace(std::make_pair(i, j), static_cast<std::int64_t>(ii.size()));
        if (fresh) ii.push_back(i), cc.push_back(j);
        return it->second;
    };
    std::vector<std::int64_t> pos(n), rneg(n), cneg(n);
    for (std::int64_t i = 0; i < n; ++i) pos[i] = want(i, i);
    for (std::int64_t i = 0; i < n; ++i) rneg[i] = want(i, h.row_neg[i]);
    for (std::int64_t j = 0; j < n; ++j) cneg[j] = want(h.col_neg[j], j);
    const Tensor s = model.score_pairs(e, ii, cc);  // (P), P <= 3B
    out.pairs_scored = static_cast<std::int64_t>(ii.size());
    auto pick = [&](const std::vector<std::int64_t>& idx) {
        return index_select(s, 0, from_vector(idx, {n}, Device::ref()));
    };
    const Tensor d = pick(pos);
    out.loss = add(sum(relu(add(sub(pick(rneg), d), margin))), sum(relu(add(sub(pick(cneg), d), margin))));
    return out;
}

StepResult contrastive_step(const RetrievalModel& model, const Tensor& features, const Tensor& ids,
                            const std::vector<std::int64_t>& lengths, double margin, const StepOptions& opt) {
    const NotNegative& not_negative = opt.not_negative;
    const EncodedBatch b = encode_batch(model, features, ids, lengths, "contrastive_step");
    const auto t0 = std::chrono::steady_clock::now();  // the B x B scoring and the loss from here
    const std::int64_t n = b.n;
    StepResult out;
    check_not_negative(not_negative, n);
    out.scores = score_all_shared(model, b.leaves);
    const bool masked = !not_negative.empty();
    // The hardest-negative search skips the marked pairs: they score far below anything real.
    const HardNegatives h = hardest_negatives_on_host(
        masked ? masked_fill(out.scores, excluded_pairs(n, not_negative, out.scores.device()), -1e30) : out.scores);
    if (!out.scores.device().is_host()) out.scores = out.scores.to(Device::cpu());  // B x B, the hinges read it
    PairCoefficients coef;  // dL / dS_ij
    auto hinge = [&](std::int64_t i, std::int64_t j, std::int64_t pos) {
        if (masked && not_negative[static_cast<std::size_t>(i * n + j)]) return;  // (a row of nothing but such pairs)
        const double v = margin + out.scores.at(i * n + j) - out.scores.at(pos * n + pos);
        if (v <= 0) return;
        out.loss += v;
        coef[{i, j}] += 1.0;
        coef[{pos, pos}] -= 1.0;
    };
    if (opt.max_violation) {
        for (std::int64_t i = 0; i < n; ++i) hinge(i, h.row_neg[i], i);
        for (std::int64_t j = 0; j < n; ++j) hinge(h.col_neg[j], j, j);
    } else {
        for (std::int64_t i = 0; i < n; ++i)
            for (std::int64_t j = 0; j < n; ++j)
                if (i != j) hinge(i, j, i), hinge(i, j, j);  // caption j for image i, image i for caption j
    }
    out.phases.encode = b.encode_seconds;
    out.phases.score_all = elapsed_seconds(t0);
    out.pairs_backpropagated = backprop_pairs(model, b, coef, opt.chunk_pairs, &out.phases);
    return out;
}

LossPlateau triplet_plateau(double margin, std::int64_t batch, bool max_violation) {
    const double b = static_cast<double>(batch);
    return {2.0 * margin * b * (max_violation ? 1.0 : b - 1.0), kTripletCollapseSpread * margin, kTripletCollapseGap * margin,
            max_violation ? "2 x margin x batch" : "2 x margin x batch x (batch - 1)"};
}

}  // namespace imram::models
