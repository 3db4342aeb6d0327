// SPDX-License-Identifier: MIT
// Detects the collapse of a hardest-negative loss: the model maps every image and caption of a batch
// to (nearly) the same score, the loss is then pinned at the value the model's loss has for equal
// scores (models::LossPlateau: 2 x margin x B for the triplet loss with max_violation, 4 B ln 2 for
// CAMP's BCE), and its gradient no longer prefers any pair. Runs can sit on that plateau for epochs or
// for good, and the dev rsum of such a model is chance.
// The signature read here, per step: the loss is within 5% of the pinned value, and either the spread
// of the (B, B) score matrix (population standard deviation) is below the plateau's max_spread or each
// positive sits level with its hardest negatives (the mean |positive - hardest negative| over rows and
// columns below max_gap). The second is what the loss itself sees: a run can sit on the plateau with
// only those pairs level while the rest of the batch stays apart, as CAMP's gated model did on Tux
// Paint. The thresholds and their measurements: models/triplet_loss.h, models/hardest_negative_bce.h.
// An epoch counts as collapsed when at least half of its steps are.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"
#include "models/retrieval_model.h"

namespace imram::train {

struct ScoreSpread {
    double spread = 0;       // population standard deviation of the B x B scores
    double hardest_gap = 0;  // mean |positive - hardest negative| over the B rows and the B columns
    double pinned_loss = 0;  // the loss a fully collapsed batch has (the plateau's)
    bool collapsed = false;  // (spread < max_spread or hardest_gap < max_gap) and |loss - pinned| <= 5% pinned
};

/// A batch whose spread is below the plateau's max_spread is collapsed when the loss is also within
/// this fraction of the pinned loss.
inline constexpr double kPinnedLoss = 0.05;

/// One step's statistics from its (B, B) score matrix (any float dtype, host memory), its loss and its
/// loss's plateau (never collapsed when plateau.pinned_loss is 0).
ScoreSpread score_spread(const Tensor& scores, double loss, const models::LossPlateau& plateau);

struct CollapseReport {
    std::int64_t steps = 0, collapsed_steps = 0;
    double mean_spread = 0, min_spread = 0;  // over the epoch's steps (0 when it had none)
    double mean_gap = 0;                     // hardest_gap's mean over the epoch's steps
    double mean_loss = 0, pinned_loss = 0;   // the epoch's mean loss next to the pinned value
    std::string pinned_at;                   // how the pinned value comes about
    bool collapsed = false;                  // collapsed_steps >= steps / 2 (and steps > 0)
    /// {"steps": .., "collapsed_steps": .., "score_spread": .., "min_score_spread": .., "hardest_gap": ..,
    ///  "collapsed": ..}
    std::string to_json() const;
    /// A warning for stderr that says what happened and what to try (empty when not collapsed).
    std::string warning(std::int64_t epoch) const;
};

/// Collects score_spread() over an epoch's steps.
class CollapseMonitor {
public:
    /// Records one finished step: its (B, B) scores, its loss and the loss's plateau at that batch.
    void add(const Tensor& scores, double loss, const models::LossPlateau& plateau);
    /// The epoch's report; starts the next epoch.
    CollapseReport end_epoch();

private:
    CollapseReport cur_;
    double spread_sum_ = 0, gap_sum_ = 0, loss_sum_ = 0;
};

}  // namespace imram::train
