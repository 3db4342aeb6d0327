// SPDX-License-Identifier: MIT
// Evaluation of a model on a split: encode every image and caption without the tape, score all
// (image, caption) pairs, rank (eval/metrics.h). The trainer's dev evaluation, `imram eval` and the
// embedding API all go through here.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "eval/metrics.h"
#include "models/retrieval_model.h"

namespace imram::eval {

/// Encodes a split without autograd, in batches of `batch`: every image (N, R, D) and every caption
/// (M, L_max, D), zero-padded to the longest caption, with the true lengths. `on_batch(done, total)`
/// runs after each batch (images first, then captions; total = N + M).
models::Encoded encode_split(const models::RetrievalModel& model, const data::Dataset& d, std::int64_t batch = 128,
                             const std::function<void(std::int64_t, std::int64_t)>& on_batch = {});

/// Encodes a split (images once each, captions in batches) and returns the (images x captions) scores.
/// `on_progress(done, total)`, when given, runs after each encoded batch and each scored block of
/// `batch` images (total = images + captions + images).
Tensor score_split(const models::RetrievalModel& model, const data::Dataset& d, std::int64_t batch = 128,
                   const std::function<void(std::int64_t, std::int64_t)>& on_progress = {});
/// The recall with one of a model's alternative scores (models::RetrievalModel::alternative_scores).
struct AlternativeMetrics {
    std::string name;
    Tensor scores;  // (images x captions) on the host
    RetrievalMetrics metrics;
};

/// Scores a split and ranks it; a non-finite score is refused (check_scores_finite) instead of ranked.
/// With `alternatives`, the split is also scored and ranked with each of the model's alternative
/// scores, from the same encodings.
RetrievalMetrics evaluate(const models::RetrievalModel& model, const data::Dataset& d, Tensor* scores_out = nullptr,
                          const std::function<void(std::int64_t, std::int64_t)>& on_progress = {},
                          std::vector<AlternativeMetrics>* alternatives = nullptr);

}  // namespace imram::eval
