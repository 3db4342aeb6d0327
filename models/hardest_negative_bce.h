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
