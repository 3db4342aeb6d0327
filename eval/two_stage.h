// SPDX-License-Identifier: MIT
// Recall of two-stage search on a split (docs/embedding.md, "Large galleries"): a first stage (a
// dual encoder's item vectors, as an exact index ranks them) proposes each query's `candidates` best
// items, the model under evaluation re-ranks those. Computed from the two score matrices, so one
// evaluation gives the whole recall-against-candidates curve.
#pragma once

#include <cstdint>
#include <functional>

#include "data/dataset.h"
#include "eval/metrics.h"
#include "models/retrieval_model.h"

namespace imram::eval {

/// The (images x captions) inner products of a first-stage model's item vectors over the split
/// (models::RetrievalModel::image_vectors / caption_vectors), on the host: what an exact index ranks by.
Tensor item_vector_scores(const models::RetrievalModel& first_stage, const data::Dataset& d, std::int64_t batch = 128,
                          const std::function<void(std::int64_t, std::int64_t)>& on_batch = {});

/// Metrics of two-stage search: for every query (an image for i2t, a caption for t2i) the
/// `candidates` items `first` scores best, and any item tied with the last of them (the index breaks
/// such ties by position; counting them in keeps a tie from crediting the model), are
/// ranked by `second`; the items the first stage left out rank after all candidates (a ground truth
/// among them is a miss, and counts as ranked last in medr and meanr). As the search proposes
/// max(candidates, k) items, R@5 and R@10 re-rank at least 5 and 10. Both (N_img, N_cap), finite.
/// candidates >= the gallery size gives retrieval_metrics(second).
RetrievalMetrics two_stage_metrics(const Tensor& first, const Tensor& second, std::int64_t im_div,
                                   std::int64_t candidates);

}  // namespace imram::eval
