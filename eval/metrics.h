// SPDX-License-Identifier: MIT
// Retrieval metrics of a (images x captions) score matrix, as the official evaluation defines them
// (spec section 4): i2t ranks an image's captions, the best of its im_div captions counts; t2i ranks
// the images for each caption. R@K = 100 * fraction with rank < K; medr = floor(median rank) + 1;
// meanr = mean rank + 1; rsum = the six recalls summed. A rank counts the other candidates scoring at
// least as high, so exact ties count against the model (numpy's argsort in the official code orders
// them by index, which credits a model that scores everything alike with the ground truth whenever it
// comes first), and a NaN score ranks a candidate above the ground truth, a NaN ground truth last.
// For scores without ties or NaN the ranks are the official ones.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace imram::eval {

struct Recall {
    double r1 = 0, r5 = 0, r10 = 0, medr = 0, meanr = 0;
};
struct RetrievalMetrics {
    Recall i2t, t2i;
    double rsum() const { return i2t.r1 + i2t.r5 + i2t.r10 + t2i.r1 + t2i.r5 + t2i.r10; }
    std::string to_json() const;
    std::string to_table() const;
};

/// Refuses (ErrorKind::Data) a score matrix (N_img, N_cap) holding a NaN or infinity, naming the image
/// and caption of the first one and `what` (the split). An evaluation calls it before ranking: a
/// non-finite score comes from non-finite weights or features or an overflow, and no recall computed
/// from it means anything.
void check_scores_finite(const Tensor& scores, const std::string& what);

/// scores (N_img, N_cap) with N_cap = im_div * N_img; caption j belongs to image j / im_div.
RetrievalMetrics retrieval_metrics(const Tensor& scores, std::int64_t im_div);
/// The COCO protocol's 5-fold 1K numbers: metrics per fold of `fold_images` images and their captions,
/// averaged per metric (rsum recomputed from the averaged recalls, unlike the official printout).
RetrievalMetrics retrieval_metrics_folds(const Tensor& scores, std::int64_t im_div, std::int64_t folds);

}  // namespace imram::eval
