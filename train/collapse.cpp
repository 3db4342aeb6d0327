// SPDX-License-Identifier: MIT
#include "train/collapse.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "base/check.h"
#include "models/triplet_loss.h"

namespace imram::train {

ScoreSpread score_spread(const Tensor& scores, double loss, const models::LossPlateau& plateau) {
    IMRAM_CHECK(scores.dim() == 2 && scores.size(0) == scores.size(1) && scores.size(0) >= 2,
                "score_spread: expected a square (B, B) score matrix with B >= 2, got ", scores.describe());
    const Tensor s = scores.to(DType::F64).contiguous();
    const double* p = s.data<double>();
    const std::int64_t b = s.size(0), n = b * b;
    // Two passes (mean, then squared deviations): exact enough at a spread of 1e-6 around a mean of 1.
    double mean = 0;
    for (std::int64_t k = 0; k < n; ++k) mean += p[k];
    mean /= static_cast<double>(n);
    double var = 0;
    for (std::int64_t k = 0; k < n; ++k) var += (p[k] - mean) * (p[k] - mean);
    ScoreSpread out;
    out.spread = std::sqrt(var / static_cast<double>(n));
    // What a hardest-negative loss sees: each positive (the diagonal) against its hardest negative, in
    // its row (caption retrieval) and in its column (image retrieval).
    const models::HardNegatives hard = models::hardest_negatives_on_host(s);
    double gap = 0;
    for (std::int64_t i = 0; i < b; ++i)
        gap += std::abs(p[i * b + i] - p[i * b + hard.row_neg[i]]) + std::abs(p[i * b + i] - p[hard.col_neg[i] * b + i]);
    out.hardest_gap = gap / static_cast<double>(2 * b);
    out.pinned_loss = plateau.pinned_loss;
    // NaN scores are not a collapse: the trainer skips those steps and says so itself.
    out.collapsed = plateau.pinned_loss > 0 &&
                    (out.spread < plateau.max_spread || out.hardest_gap < plateau.max_gap) &&
                    std::abs(loss - out.pinned_loss) <= kPinnedLoss * out.pinned_loss;
    return out;
}

void CollapseMonitor::add(const Tensor& scores, double loss, const models::LossPlateau& plateau) {
    const ScoreSpread s = score_spread(scores, loss, plateau);
    cur_.min_spread = cur_.steps == 0 ? s.spread : std::min(cur_.min_spread, s.spread);
    ++cur_.steps;
    cur_.collapsed_steps += s.collapsed;
    spread_sum_ += s.spread;
    gap_sum_ += s.hardest_gap;
    loss_sum_ += loss;
    cur_.pinned_loss = s.pinned_loss;
    cur_.pinned_at = plateau.pinned_at;
}

CollapseReport CollapseMonitor::end_epoch() {
    CollapseReport r = cur_;
    if (r.steps > 0) {
        r.mean_spread = spread_sum_ / static_cast<double>(r.steps);
        r.mean_gap = gap_sum_ / static_cast<double>(r.steps);
        r.mean_loss = loss_sum_ / static_cast<double>(r.steps);
        r.collapsed = 2 * r.collapsed_steps >= r.steps;
    }
    cur_ = {};
    spread_sum_ = gap_sum_ = loss_sum_ = 0;
    return r;
}

std::string CollapseReport::to_json() const {
    char b[256];
    std::snprintf(b, sizeof b,
                  "{\"steps\": %lld, \"collapsed_steps\": %lld, \"score_spread\": %.6g, \"min_score_spread\": %.6g, "
                  "\"hardest_gap\": %.6g, \"collapsed\": %s}",
                  static_cast<long long>(steps), static_cast<long long>(collapsed_steps), mean_spread, min_spread,
                  mean_gap, collapsed ? "true" : "false");
    return b;
}

std::string CollapseReport::warning(std::int64_t epoch) const {
    if (!collapsed) return {};
    char b[768];
    std::snprintf(b, sizeof b,
                  "imram: warning: training has collapsed in epoch %lld: %lld of %lld steps scored every pair of "
                  "the batch nearly alike, or each positive level with its hardest negative (score spread %.3g, "
                  "positive to hardest negative %.3g; loss %.4g, pinned at %s = %.4g): on this plateau the hardest-negative loss gives almost no ranking signal, and a model that stays "
                  "there ranks at chance. Try "
                  "--warmup_epochs 1 (sum every violating negative first), a lower --learning_rate, or another "
                  "--seed.\n",
                  static_cast<long long>(epoch), static_cast<long long>(collapsed_steps),
                  static_cast<long long>(steps), mean_spread, mean_gap, mean_loss, pinned_at.c_str(), pinned_loss);
    return b;
}

}  // namespace imram::train
