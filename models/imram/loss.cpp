// SPDX-License-Identifier: MIT
#include "models/imram/loss.h"

#include <map>

#include "core/autograd.h"
#include "core/ops.h"

namespace imram::models {
namespace {
Tensor eye_mask(std::int64_t n, Device dev) {
    std::vector<std::uint8_t> m(static_cast<std::size_t>(n * n), 0);
    for (std::int64_t i = 0; i < n; ++i) m[i * n + i] = 1;
    return from_vector(m, {n, n}, dev);
}
}  // namespace

Tensor contrastive_loss(const Tensor& s, double margin) {
    IMRAM_CHECK(s.dim() == 2 && s.size(0) == s.size(1) && s.size(0) > 1,
                "contrastive_loss: expected a square (B, B) score matrix with B > 1, got ", s.describe());
    const std::int64_t n = s.size(0);
    const Tensor eye = eye_mask(n, s.device());
    const Tensor d = sum(where(eye, s, scalar_like(s, 0.0)), {1});  // (B) the diagonal
    const Tensor cost_s = masked_fill(relu(add(sub(s, unsqueeze(d, 1)), margin)), eye, 0.0);   // vs S_ii
    const Tensor cost_im = masked_fill(relu(add(sub(s, unsqueeze(d, 0)), margin)), eye, 0.0);  // vs S_jj
    return add(sum(max(cost_s, 1).values), sum(max(cost_im, 0).values));
}

HardNegatives hardest_negatives(const Tensor& s) {
    const std::int64_t n = s.size(0);
    HardNegatives h;
    h.row_neg.assign(n, -1);
    h.col_neg.assign(n, -1);
    std::vector<double> best_r(n), best_c(n);
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < n; ++j) {
            if (i == j) continue;
            const double v = s.at(i * n + j);
            if (h.row_neg[i] < 0 || v > best_r[i]) h.row_neg[i] = j, best_r[i] = v;
            if (h.col_neg[j] < 0 || v > best_c[j]) h.col_neg[j] = i, best_c[j] = v;
        }
    return h;
}

SparseLoss contrastive_loss_sparse(const RetrievalModel& model, const Encoded& e, double margin) {
    const std::int64_t n = e.images.size(0);
    IMRAM_CHECK(n > 1 && static_cast<std::int64_t>(e.lengths.size()) == n,
                "contrastive_loss_sparse: expected B > 1 images and B captions, got ", n, " and ", e.lengths.size());
    SparseLoss out;
    out.dense_scores = model.score_matrix_nograd(e);  // all B x B pairs, fused scorer, no tape
    const HardNegatives h = hardest_negatives(out.dense_scores);
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

}  // namespace imram::models
