// SPDX-License-Identifier: MIT
// PMRP, Plausible Match R-Precision (PCME, CVPR 2021; spec section 4.4; docs/pmrp.md), of a
// (images x captions) score matrix with per-image class labels (data/labels.h).
//
// For every query the whole gallery is ranked by decreasing score. Two images are at the Hamming
// distance of their label sets; for zeta in {0, 1, 2} a retrieved item is plausible when its image is
// within zeta of the query's image (i2t: the image of each retrieved caption; t2i: each retrieved
// image against the image of the query caption). With R the number of plausible items in the gallery,
// a query's R-precision is (plausible items among the first R) / R; PMRP is 100 x its mean over the
// queries, per zeta, and the mean over the three zetas. Unlabeled images are neither queries nor
// retrieved (nor are the captions of an unlabeled image).
//
// Ties and NaN are ordered as eval/metrics.h orders them for recall, never in the model's favour:
// among items of equal score the non-plausible ones rank first; a NaN score ranks a non-plausible item
// above every other item and a plausible one below every other. For scores without ties or NaN this is
// the plain ranking. Unlike the official script, the last retrieved item is not dropped (its `topk = -1`
// slice, spec 10.15), which changes at most one item per query.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "data/labels.h"

namespace imram::eval {

/// The thresholds zeta on the label distance, as in the official protocol.
inline constexpr std::array<std::int64_t, 3> kPmrpZetas = {0, 1, 2};

struct PmrpDirection {
    double pmrp = 0;                        // mean of per_zeta
    std::array<double, 3> per_zeta{};       // 100 x mean R-precision at zeta = 0, 1, 2
    std::int64_t queries = 0;               // labeled queries (summed over folds)
    std::array<std::int64_t, 3> skipped{};  // of those, queries without any plausible item (R = 0), per zeta
};
struct PmrpMetrics {
    PmrpDirection i2t, t2i;
    double mean() const { return 0.5 * (i2t.pmrp + t2i.pmrp); }
    std::string to_json() const;
    std::string to_table() const;
};

/// scores (N_img, N_cap) on any device, f32 or f64 (others are converted to f64); caption j belongs to
/// image caption_image[j]; labels.num_images() == N_img. Throws imram::Error when the shapes or the map
/// do not fit or no image is labeled.
PmrpMetrics pmrp(const Tensor& scores, const std::vector<std::int64_t>& caption_image, const data::ImageLabels& labels);
/// The SCAN layout: N_cap = im_div * N_img, caption j belongs to image j / im_div.
PmrpMetrics pmrp(const Tensor& scores, std::int64_t im_div, const data::ImageLabels& labels);
/// The COCO 1K protocol, like retrieval_metrics_folds: PMRP within each of `folds` consecutive blocks of
/// N_img / folds images and their captions, averaged over the folds (queries and skipped summed).
/// Throws when a fold has no labeled image.
PmrpMetrics pmrp_folds(const Tensor& scores, std::int64_t im_div, const data::ImageLabels& labels, std::int64_t folds);

}  // namespace imram::eval
