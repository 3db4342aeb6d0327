// SPDX-License-Identifier: MIT
// The hardest-negative triplet loss of VSE++, SCAN and IMRAM, for any model of the interface
// (models/retrieval_model.h): margin m, max_violation, summed over the batch:
//   L = sum_i max_{j != i} [m + S_ij - S_ii]_+  +  sum_j max_{i != j} [m + S_ij - S_jj]_+
// for a square (images x captions) score matrix S whose positives are on the diagonal.
#pragma once

#include <cstdint>
#include <vector>

#include "models/retrieval_model.h"

namespace imram::models {

/// Dense form on a score matrix that carries its autograd history. With max_violation = false, the
/// hinge is summed over every negative instead of taken at the hardest one (VSE0; used as a warm-up).
/// Pairs marked in `not_negative` are left out of the hinges (and of the hardest-negative search).
Tensor contrastive_loss(const Tensor& scores, double margin, bool max_violation = true,
                        const NotNegative& not_negative = {});

/// Below this fraction of the margin a batch's score spread counts as collapsed (measured on the demo,
/// m 0.2: a SCAN run stuck at chance had spreads of 4e-4 to 1e-3, one that sat on the plateau for three
/// epochs before escaping 2e-3 to 3e-3; trained models 0.3 and more).
inline constexpr double kTripletCollapseSpread = 0.05;
/// Or below this fraction of the margin as the mean |positive - hardest negative| (demo, m 0.2, SCAN
/// on the plateau: 4e-4 to 1.7e-3; full IMRAM escaping it 0.033, trained 0.45 and more).
inline constexpr double kTripletCollapseGap = 0.05;

/// The triplet loss with every score equal: every hinge is the margin, so the loss is 2 m B with
/// max_violation and 2 m B (B - 1) summed.
LossPlateau triplet_plateau(double margin, std::int64_t batch, bool max_violation);

/// The hardest negatives of a square score matrix on the host: row_neg[i], image i's hardest
/// caption, and col_neg[j], caption j's hardest image (the op hardest_negatives of core/ops.h).
struct HardNegatives {
    std::vector<std::int64_t> row_neg;
    std::vector<std::int64_t> col_neg;
};
HardNegatives hardest_negatives_on_host(const Tensor& scores);

struct SparseLoss {
    Tensor loss;          // scalar with autograd history through at most 3B scored pairs
    Tensor dense_scores;  // (B, B) scores computed without the tape (for logging / metrics)
    std::int64_t pairs_scored = 0;
};
/// The same loss with a sparse backward: all B x B pairs are scored without the tape, then only the
/// positives and each row's and column's hardest negative are scored again with the tape. Equal to
/// contrastive_loss of the B x B score_pairs in value and in gradient (up to ties).
SparseLoss contrastive_loss_sparse(const RetrievalModel& model, const Encoded& e, double margin);

/// One training step's loss and gradients, with memory bounded by `opt.chunk_pairs`: encode with the tape;
/// score all B x B pairs without the tape (score_all); find the hardest negatives and the active
/// hinge terms; the loss's gradient with respect to each scored pair is then a known integer
/// coefficient, so the selected pairs are rescored with the tape `opt.chunk_pairs` at a time and
/// back-propagated with those coefficients as seeds into the (detached) encodings, whose gradients
/// finally flow through the encoders once. Gradients accumulate into the model's parameters.
/// Exact: equal to backward() of contrastive_loss of the B x B score_pairs of encode(...) up to float
/// rounding (and argmax ties).
/// With opt.max_violation = false the step follows the summed (VSE0) loss instead; every pair with an
/// active hinge then carries gradient, up to B^2 pairs. opt.not_negative as in contrastive_loss.
StepResult contrastive_step(const RetrievalModel& model, const Tensor& image_features, const Tensor& caption_ids,
                            const std::vector<std::int64_t>& lengths, double margin, const StepOptions& opt = {});

}  // namespace imram::models
