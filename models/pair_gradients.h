// SPDX-License-Identifier: MIT
// The sparse backward that every pair-scoring loss of the family shares (models/triplet_loss.h,
// models/hardest_negative_bce.h): score all B x B pairs of a batch without the tape, let the loss
// decide dL/dS for the few pairs it depends on, then rescore only those with the tape, a chunk at a
// time, seeding each chunk's backward with its coefficients, and send the gathered gradients of the
// encodings through the encoders once. Memory is bounded by the chunk; the gradient equals the dense
// loss's up to float rounding (and argmax ties).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "models/retrieval_model.h"

namespace imram::models {

/// Throws unless `not_negative` is empty or B x B.
void check_not_negative(const NotNegative& not_negative, std::int64_t n);
/// Bool (B, B) on `dev`: the pairs that are not negatives, the diagonal and those marked in `not_negative`.
Tensor excluded_pairs(std::int64_t n, const NotNegative& not_negative, Device dev);

/// A batch encoded with the tape (`taped`) and the same encodings detached as leaves (`leaves`), which
/// the scoring works on so their gradients can be collected first.
struct EncodedBatch {
    Encoded taped, leaves;
    std::int64_t n = 0;         // B
    double encode_seconds = 0;  // the encoders' forward (StepPhases::encode)
};
/// Encodes B images and their B captions (B > 1; `who` names the caller in errors).
EncodedBatch encode_batch(const RetrievalModel& model, const Tensor& features, const Tensor& ids,
                          const std::vector<std::int64_t>& lengths, const char* who);

/// Every (image, caption) pair of a batch without the tape, (B, B) on the host when several processes
/// share the step (dist::world(): each scores its block of image rows, the blocks are gathered, so
/// every process finds the same hardest negatives), else model.score_all(e) as it is.
Tensor score_all_shared(const RetrievalModel& model, const Encoded& e);

/// dL / dS[i, j] for the pairs (i, j) the loss depends on.
using PairCoefficients = std::map<std::pair<std::int64_t, std::int64_t>, double>;

/// Rescores the pairs with a non-zero coefficient with the tape, `chunk_pairs` at a time, back-propagates
/// each chunk seeded with its coefficients into b.leaves, then b.leaves' gradients through the encoders.
/// With several processes (dist::world()) each takes its block of the pairs, so the parameter gradients
/// are partial sums until the trainer adds them over the processes. Returns the number of pairs
/// rescored (by all processes).
/// `phases`, when given, receives the seconds of the pairs' forward, their backward and the encoders'
/// backward.
std::int64_t backprop_pairs(const RetrievalModel& model, const EncodedBatch& b, const PairCoefficients& coef,
                            std::int64_t chunk_pairs, StepPhases* phases = nullptr);

/// Seconds on the steady clock since `t0` (the step phases' stopwatch).
double elapsed_seconds(std::chrono::steady_clock::time_point t0);

}  // namespace imram::models
