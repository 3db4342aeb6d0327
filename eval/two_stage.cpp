// SPDX-License-Identifier: MIT
#include "eval/two_stage.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>
#include <vector>

#include "base/check.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "eval/evaluate.h"

namespace imram::eval {

Tensor item_vector_scores(const models::RetrievalModel& first_stage, const data::Dataset& d, std::int64_t batch,
                          const std::function<void(std::int64_t, std::int64_t)>& on_batch) {
    IMRAM_CHECK_KIND(first_stage.has_item_vectors(), Usage, "two-stage evaluation: the first stage (",
                     first_stage.mode(), ") has no item vectors; use a dual encoder (vse, pcme)");
    const autograd::NoGradGuard no_grad;
    const models::Encoded e = encode_split(first_stage, d, batch, on_batch);
    const Tensor iv = first_stage.image_vectors(e.images), cv = first_stage.caption_vectors(e.captions, e.lengths);
    return matmul(iv, transpose(cv, 0, 1)).to(Device::cpu());
}

namespace {

/// The n best positions of `score` and every position tied with the n-th: a tie at the cut is
/// not broken in the model's favour (the index breaks it by position, which would credit a ground
/// truth that merely comes first); the second stage then ranks the tied items, ties counted against.
std::vector<std::int64_t> best(const std::vector<double>& score, std::int64_t n) {
    n = std::min<std::int64_t>(n, static_cast<std::int64_t>(score.size()));
    std::vector<double> sorted = score;
    std::nth_element(sorted.begin(), sorted.begin() + (n - 1), sorted.end(), std::greater<>());
    const double cut = sorted[static_cast<std::size_t>(n - 1)];
    std::vector<std::int64_t> at;
    for (std::size_t i = 0; i < score.size(); ++i)
        if (score[i] >= cut) at.push_back(static_cast<std::int64_t>(i));
    return at;
}

}  // namespace

namespace {

/// Metrics when every query's `candidates` best items by `f` are ranked by `s` and the rest after them.
RetrievalMetrics cut_and_rerank(const std::vector<double>& f, const std::vector<double>& s, std::int64_t ni,
                                std::int64_t nc, std::int64_t im_div, std::int64_t candidates) {
    // Left-out items score below every candidate: the lowest double, so that ties among them (and a
    // ground truth among them) rank after all candidates, as the honest ranking counts ties.
    const double out = std::numeric_limits<double>::lowest();
    std::vector<double> by_image(f.size(), out), by_caption(f.size(), out);
    std::vector<double> row(static_cast<std::size_t>(nc)), col(static_cast<std::size_t>(ni));
    for (std::int64_t i = 0; i < ni; ++i) {
        std::copy(f.begin() + i * nc, f.begin() + (i + 1) * nc, row.begin());
        for (const std::int64_t j : best(row, candidates)) by_image[i * nc + j] = s[i * nc + j];
    }
    for (std::int64_t j = 0; j < nc; ++j) {
        for (std::int64_t i = 0; i < ni; ++i) col[i] = f[i * nc + j];
        for (const std::int64_t i : best(col, candidates)) by_caption[i * nc + j] = s[i * nc + j];
    }
    RetrievalMetrics m;
    m.i2t = retrieval_metrics(from_vector(by_image, {ni, nc}), im_div).i2t;
    m.t2i = retrieval_metrics(from_vector(by_caption, {ni, nc}), im_div).t2i;
    return m;
}

}  // namespace

RetrievalMetrics two_stage_metrics(const Tensor& first, const Tensor& second, std::int64_t im_div,
                                   std::int64_t candidates) {
    IMRAM_CHECK(first.dim() == 2 && first.shape() == second.shape(),
                "two_stage_metrics: the two score matrices must be (N_img, N_cap) alike, got ", first.describe(),
                " and ", second.describe());
    IMRAM_CHECK_KIND(candidates >= 1, Usage, "two_stage_metrics: candidates must be at least 1, got ", candidates);
    check_scores_finite(first, "the first stage's scores");
    check_scores_finite(second, "the re-ranking scores");
    const std::int64_t ni = first.size(0), nc = first.size(1);
    const std::vector<double> f = first.to(DType::F64).to_vector<double>(), s = second.to(DType::F64).to_vector<double>();
    // As the search does (Retriever: max(candidates, k) proposed), R@K re-ranks at least K candidates.
    RetrievalMetrics m = cut_and_rerank(f, s, ni, nc, im_div, candidates);
    if (candidates < 5) {
        const RetrievalMetrics at5 = cut_and_rerank(f, s, ni, nc, im_div, 5);
        m.i2t.r5 = at5.i2t.r5, m.t2i.r5 = at5.t2i.r5;
    }
    if (candidates < 10) {
        const RetrievalMetrics at10 = cut_and_rerank(f, s, ni, nc, im_div, 10);
        m.i2t.r10 = at10.i2t.r10, m.t2i.r10 = at10.t2i.r10;
    }
    return m;
}

}  // namespace imram::eval
