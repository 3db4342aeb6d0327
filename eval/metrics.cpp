// SPDX-License-Identifier: MIT
#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>
#include <vector>

#include "base/check.h"
#include "core/finite.h"
#include "core/ops.h"

namespace imram::eval {
namespace {

Recall summarise(std::vector<double> ranks) {
    Recall r;
    const double n = static_cast<double>(ranks.size());
    for (double k : ranks) {
        r.r1 += k < 1, r.r5 += k < 5, r.r10 += k < 10;
        r.meanr += k;
    }
    r.r1 *= 100.0 / n, r.r5 *= 100.0 / n, r.r10 *= 100.0 / n;
    r.meanr = r.meanr / n + 1;
    std::sort(ranks.begin(), ranks.end());
    // numpy's median (mean of the two middle values for an even count), then floor + 1
    const std::size_t m = ranks.size() / 2;
    const double med = ranks.size() % 2 ? ranks[m] : 0.5 * (ranks[m - 1] + ranks[m]);
    r.medr = std::floor(med) + 1;
    return r;
}

std::string fmt(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f", v);
    return b;
}

}  // namespace

void check_scores_finite(const Tensor& scores, const std::string& what) {
    IMRAM_CHECK(scores.dim() == 2, "check_scores_finite: expected a 2-d score matrix, got ", scores.shape());
    const Tensor host = scores.device().is_host() ? scores : scores.detach().to(Device::cpu());
    const std::int64_t bad = first_non_finite(host);
    if (bad < 0) return;
    const Tensor c = host.to(DType::F64).contiguous();
    const std::int64_t image = bad / c.size(1), caption = bad % c.size(1);
    IMRAM_FAIL(what, ": the score of image ", image, " and caption ", caption, " is ", non_finite_name(c.data<double>()[bad]),
               "; scores must be finite (non-finite weights or features, or an overflow in the model)");
}

RetrievalMetrics retrieval_metrics(const Tensor& scores_in, std::int64_t im_div) {
    IMRAM_CHECK(scores_in.dim() == 2 && im_div >= 1 && scores_in.size(1) == im_div * scores_in.size(0),
                "retrieval_metrics: expected scores (N, ", im_div, " N), got ", scores_in.shape());
    const Tensor s = scores_in.to(DType::F64).contiguous();
    const double* p = s.data<double>();
    const std::int64_t ni = s.size(0), nc = s.size(1);
    std::vector<double> r_i2t(ni), r_t2i(nc);
    // A candidate ranks above the ground truth when it scores at least as high (a tie counts against the
    // model: a collapsed model that scores everything alike must rank at chance, not first) or when its
    // score is NaN; a NaN ground truth ranks below every other candidate.
    auto above = [](double other, double truth) { return std::isnan(other) || other >= truth; };
    for (std::int64_t i = 0; i < ni; ++i) {
        // i2t: the best of the image's im_div captions against the other images' captions
        const double* row = p + i * nc;
        double truth = NAN;
        for (std::int64_t j = i * im_div; j < (i + 1) * im_div; ++j)
            if (!std::isnan(row[j]) && (std::isnan(truth) || row[j] > truth)) truth = row[j];
        std::int64_t rank = nc - im_div;
        if (!std::isnan(truth)) {
            rank = 0;
            for (std::int64_t k = 0; k < nc; ++k) rank += k / im_div != i && above(row[k], truth);
        }
        r_i2t[i] = static_cast<double>(rank);
    }
    for (std::int64_t j = 0; j < nc; ++j) {
        const std::int64_t i = j / im_div;
        const double truth = p[i * nc + j];
        std::int64_t rank = ni - 1;
        if (!std::isnan(truth)) {
            rank = 0;
            for (std::int64_t k = 0; k < ni; ++k) rank += k != i && above(p[k * nc + j], truth);
        }
        r_t2i[j] = static_cast<double>(rank);
    }
    return {summarise(r_i2t), summarise(r_t2i)};
}

RetrievalMetrics retrieval_metrics_folds(const Tensor& scores, std::int64_t im_div, std::int64_t folds) {
    IMRAM_CHECK(folds >= 1 && scores.size(0) % folds == 0, "retrieval_metrics_folds: ", scores.size(0),
                " images do not split into ", folds, " folds");
    const std::int64_t fi = scores.size(0) / folds;
    RetrievalMetrics avg;
    for (std::int64_t f = 0; f < folds; ++f) {
        const Tensor block = slice(slice(scores, 0, f * fi, (f + 1) * fi), 1, f * fi * im_div, (f + 1) * fi * im_div);
        const RetrievalMetrics m = retrieval_metrics(block, im_div);
        for (auto [dst, src] : {std::pair{&avg.i2t, &m.i2t}, std::pair{&avg.t2i, &m.t2i}}) {
            dst->r1 += src->r1 / folds, dst->r5 += src->r5 / folds, dst->r10 += src->r10 / folds;
            dst->medr += src->medr / folds, dst->meanr += src->meanr / folds;
        }
    }
    return avg;
}

std::string RetrievalMetrics::to_json() const {
    std::ostringstream s;
    auto one = [&](const char* name, const Recall& r) {
        s << '"' << name << "\": {\"r1\": " << fmt(r.r1) << ", \"r5\": " << fmt(r.r5) << ", \"r10\": " << fmt(r.r10)
          << ", \"medr\": " << fmt(r.medr) << ", \"meanr\": " << fmt(r.meanr) << "}";
    };
    s << "{";
    one("i2t", i2t);
    s << ", ";
    one("t2i", t2i);
    s << ", \"rsum\": " << fmt(rsum()) << "}";
    return s.str();
}

std::string RetrievalMetrics::to_table() const {
    std::ostringstream s;
    s << "            R@1     R@5    R@10   medr   meanr\n";
    auto row = [&](const char* name, const Recall& r) {
        char b[128];
        std::snprintf(b, sizeof b, "%-8s %6.2f  %6.2f  %6.2f  %5.1f  %6.2f\n", name, r.r1, r.r5, r.r10, r.medr, r.meanr);
        s << b;
    };
    row("i2t", i2t);
    row("t2i", t2i);
    s << "rsum " << fmt(rsum()) << "\n";
    return s.str();
}

}  // namespace imram::eval
