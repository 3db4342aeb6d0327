// SPDX-License-Identifier: MIT
// Detects the collapse of the hardest-negative loss: the model maps every image and caption of a batch
// to the same score, every hinge term then equals the margin (the loss is pinned at 2 x margin x B with
// max_violation, at 2 x margin x B (B - 1) summed), and the loss's gradient no longer prefers any pair.
// Runs can sit on that plateau for epochs or for good, and the dev rsum of such a model is chance.
// The signature read here, per step: the spread of the (B, B) score matrix (population standard deviation)
// is below 5% of the margin, and the loss is within 5% of the pinned value. Measured on the demo (m 0.2):
// a SCAN run stuck at chance had a spread of 4e-4 to 1e-3 and a loss 0.2% above the pinned 12.8; an IMRAM
// run that sat on the plateau for three epochs before escaping, a spread of 2e-3 to 3e-3; trained models
// have spreads of 0.3 and more. An epoch counts as collapsed when at least half of its steps are.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace imram::train {

struct ScoreSpread {
    double spread = 0;     // population standard deviation of the B x B scores
    double pinned_loss = 0;  // the loss a fully collapsed batch has: 2 m B (max_violation) or 2 m B (B - 1)
    bool collapsed = false;  // spread < kCollapseSpread x margin and |loss - pinned| <= kPinnedLoss x pinned
};

/// Below this fraction of the margin, a batch's score spread is collapsed...
inline constexpr double kCollapseSpread = 0.05;
/// ...when the loss is also within this fraction of the pinned loss.
inline constexpr double kPinnedLoss = 0.05;

/// One step's statistics from its (B, B) score matrix (any float dtype, host memory) and its loss.
ScoreSpread score_spread(const Tensor& scores, double loss, double margin, bool max_violation);

struct CollapseReport {
    std::int64_t steps = 0, collapsed_steps = 0;
    double mean_spread = 0, min_spread = 0;  // over the epoch's steps (0 when it had none)
    double mean_loss = 0, pinned_loss = 0;   // the epoch's mean loss next to the pinned value
    bool collapsed = false;                  // collapsed_steps >= steps / 2 (and steps > 0)
    /// {"steps": .., "collapsed_steps": .., "score_spread": .., "min_score_spread": .., "collapsed": ..}
    std::string to_json() const;
    /// A warning for stderr that says what happened and what to try (empty when not collapsed).
    std::string warning(std::int64_t epoch) const;
};

/// Collects score_spread() over an epoch's steps.
class CollapseMonitor {
public:
    explicit CollapseMonitor(double margin) : margin_(margin) {}
    /// Records one finished step: its (B, B) scores and its loss.
    void add(const Tensor& scores, double loss, bool max_violation);
    /// The epoch's report; starts the next epoch.
    CollapseReport end_epoch();

private:
    double margin_;
    CollapseReport cur_;
    double spread_sum_ = 0, loss_sum_ = 0;
};

}  // namespace imram::train
