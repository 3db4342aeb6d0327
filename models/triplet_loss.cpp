// SPDX-License-Identifier: MIT
#include "models/triplet_loss.h"

#include <algorithm>
#include <map>

#include "core/autograd.h"
#include "core/ops.h"

namespace imram::models {
namespace {
void check_mask(const NotNegative& m, std::int64_t n) {
    IMRAM_CHECK(m.empty() || static_cast<std::int64_t>(m.size()) == n * n, "not_negative: expected ", n * n,
                " entries (B x B) or none, got ", m.size());
}

/// The pairs that are not negatives: the diagonal, and those marked in `not_negative`.
Tensor excluded_mask(std::int64_t n, const NotNegative& not_negative, Device dev) {
    std::vector<std::uint8_t> m(static_cast<std::size_t>(n * n), 0);
    for (std::int64_t i = 0; i < n * n; ++i) m[i] = !not_negative.empty() && not_negative[i];
    for (std::int64_t i = 0; i < n; ++i) m[i * n + i] = 1;
    return from_vector(m, {n, n}, dev);
}

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
    check_mask(not_negative, n);
    const Tensor eye = from_vector(diagonal(n), {n, n}, s.device());
    const Tensor excluded = excluded_mask(n, not_negative, s.device());
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
    const std::int64_t chunk_pairs = opt.chunk_pairs;
    const bool max_violation = opt.max_violation;
    const NotNegative& not_negative = opt.not_negative;
    IMRAM_CHECK(chunk_pairs > 0, "contrastive_step: chunk_pairs must be positive, got ", chunk_pairs);
    const Encoded e = model.encode(features, ids, lengths);
    const std::int64_t n = e.images.size(0);
    IMRAM_CHECK(n > 1 && static_cast<std::int64_t>(lengths.size()) == n,
                "contrastive_step: expected B > 1 images and B captions, got ", n, " and ", lengths.size());
    // Scoring works on detached encodings; their gradients are collected, then sent through the encoders.
    Encoded d{e.images.detach().set_requires_grad(), e.captions.detach().set_requires_grad(), e.lengths};
    StepResult out;
    check_mask(not_negative, n);
    out.scores = model.score_all(d);
    const bool masked = !not_negative.empty();
    // The hardest-negative search skips the marked pairs: they score far below anything real.
    const HardNegatives h = hardest_negatives_on_host(
        masked ? masked_fill(out.scores, excluded_mask(n, not_negative, out.scores.device()), -1e30) : out.scores);
    if (!out.scores.device().is_host()) out.scores = out.scores.to(Device::cpu());  // B x B, the hinges read it
    std::map<std::pair<std::int64_t, std::int64_t>, double> coef;  // dL / dS_ij
    auto hinge = [&](std::int64_t i, std::int64_t j, std::int64_t pos) {
        if (masked && not_negative[static_cast<std::size_t>(i * n + j)]) return;  // (a row of nothing but such pairs)
        const double v = margin + out.scores.at(i * n + j) - out.scores.at(pos * n + pos);
        if (v <= 0) return;
        out.loss += v;
        coef[{i, j}] += 1.0;
        coef[{pos, pos}] -= 1.0;
    };
    if (max_violation) {
        for (std::int64_t i = 0; i < n; ++i) hinge(i, h.row_neg[i], i);
        for (std::int64_t j = 0; j < n; ++j) hinge(h.col_neg[j], j, j);
    } else {
        for (std::int64_t i = 0; i < n; ++i)
            for (std::int64_t j = 0; j < n; ++j)
                if (i != j) hinge(i, j, i), hinge(i, j, j);  // caption j for image i, image i for caption j
    }
    std::vector<std::int64_t> ii, cc;
    std::vector<double> seeds;
    for (const auto& [pair, c] : coef)
        if (c != 0) ii.push_back(pair.first), cc.push_back(pair.second), seeds.push_back(c);
    out.pairs_backpropagated = static_cast<std::int64_t>(ii.size());
    for (std::size_t b = 0; b < ii.size(); b += static_cast<std::size_t>(chunk_pairs)) {
        const std::size_t end = std::min(ii.size(), b + static_cast<std::size_t>(chunk_pairs));
        const std::vector<std::int64_t> ci(ii.begin() + b, ii.begin() + end), cj(cc.begin() + b, cc.begin() + end);
        const std::vector<double> sd(seeds.begin() + b, seeds.begin() + end);
        const Tensor s = model.score_pairs(d, ci, cj);
        s.backward(from_vector(sd, {static_cast<std::int64_t>(sd.size())}, Device::ref()).to(s.dtype()).to(s.device()));
    }
    if (d.images.grad().defined()) e.images.backward(d.images.grad());
    if (d.captions.grad().defined()) e.captions.backward(d.captions.grad());
    return out;
}

}  // namespace imram::models
