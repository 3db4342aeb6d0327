// SPDX-License-Identifier: MIT
// CAMP's loss (spec section 2, SimLoss with its default "BCE"), for any model of the interface whose
// scores are match probabilities: with P = clamp(S, 1e-6, 1 - 1e-6) for a square (images x captions)
// score matrix S whose positives are on the diagonal,
//   max_violation: L = -[ 2 sum_i log P_ii + sum_i min_{j != i} log(1 - P_ij) + sum_j min_{i != j} log(1 - P_ij) ]
//   otherwise (the official code's other branch, a warm-up here):
//                  L = -[ mean_i log P_ii + mean_{i, j} log(1 - P_ij) over the B x B matrix with its diagonal 0 ]
// summed, no margin. The clamp makes the gradient 0 for a score outside [1e-6, 1 - 1e-6].
#pragma once

#include <cstdint>
#include <vector>

#include "models/retrieval_model.h"

namespace imram::models {

constexpr double kBceClamp = 1e-6;

/// With every probability of a batch equal to p the max_violation loss is -2B (log p + log(1 - p)),
/// least at p = 1/2: 4 B ln 2, where a collapsed model settles (measured on the demo, B 32: the gated
/// model from scratch sat at 89.1 against 88.7 for an epoch, score spread 0.03 to 0.06, dev rsum 303;
/// trained, 0.13 and more, loss 36 to 56). A step counts as collapsed below this spread.
inline constexpr double kBceCollapseSpread = 0.1;
/// Or below this mean |positive - hardest negative| (train/collapse.h): the plateau can hold the loss's
/// pairs level while the rest of the batch stays apart (Tux Paint, B 32, the gated model from scratch
/// after its warm-up: whole-batch spread 0.16-0.18, gap 0.010-0.014, loss 87.8-88.1, dev rsum 107-117;
/// the stage-1 model that ranks, gap 0.061-0.064 at loss 83).
inline constexpr double kBceCollapseGap = 0.03;

/// The collapsed state of the max_violation loss (4 B ln 2). The summed branch is not watched
/// (pinned_loss 0): its loss is dominated by the mean over all B^2 negatives and sits within a few
/// per cent of its all-equal value even while the ranking improves (the demo's first epoch: 1.33
/// against 1.36, dev rsum 247).
LossPlateau bce_plateau(std::int64_t batch, bool max_violation);

/// Dense form on a score matrix that carries its autograd history. Pairs marked in `not_negative` are
/// left out of the negatives (as the diagonal).
Tensor hardest_negative_bce(const Tensor& scores, bool max_violation = true, const NotNegative& not_negative = {});

/// One training step's loss and gradients with the sparse backward of models/pair_gradients.h: all B x B
/// pairs scored without the tape, then only the positives and the hardest negatives (or, without
/// max_violation, every pair whose clamp passes gradient) rescored with the tape. Equal to backward() of
/// hardest_negative_bce of the B x B score_pairs up to float rounding (and argmax ties).
StepResult hardest_negative_bce_step(const RetrievalModel& model, const Tensor& image_features,
                                     const Tensor& caption_ids, const std::vector<std::int64_t>& lengths,
                                     const StepOptions& opt = {});

}  // namespace imram::models
