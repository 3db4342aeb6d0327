// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include "core/ops.h"
#include "eval/metrics.h"

using namespace imram;
using namespace imram::eval;

TEST_CASE("metrics: ranks, recalls, medr and meanr on a known matrix", "[eval]") {
    // 3 images, 1 caption each (im_div 1). Row i: scores of image i for captions 0..2.
    Tensor s = from_vector<double>({0.9, 0.1, 0.5,    // image 0: its caption 0 ranks first  -> rank 0
                                    0.8, 0.2, 0.3,    // image 1: caption 1 is last           -> rank 2
                                    0.1, 0.6, 0.7},   // image 2: caption 2 first             -> rank 0
                                   {3, 3});
    const RetrievalMetrics m = retrieval_metrics(s, 1);
    CHECK(m.i2t.r1 == Approx(200.0 / 3));
    CHECK(m.i2t.r5 == Approx(100.0));
    CHECK(m.i2t.medr == 1);
    CHECK(m.i2t.meanr == Approx(1 + 2.0 / 3));
    // t2i: caption 0 -> images by column 0: 0.9, 0.8, 0.1 -> rank 0; caption 1: 0.1, 0.2, 0.6 -> image 1 rank 1;
    // caption 2: 0.5, 0.3, 0.7 -> image 2 rank 0
    CHECK(m.t2i.r1 == Approx(200.0 / 3));
    CHECK(m.t2i.meanr == Approx(1 + 1.0 / 3));
    CHECK(m.rsum() == Approx(m.i2t.r1 + m.i2t.r5 + m.i2t.r10 + m.t2i.r1 + m.t2i.r5 + m.t2i.r10));
    CHECK_THAT(m.to_json(), Catch::Contains("\"rsum\""));
}

TEST_CASE("metrics: ties and NaN never credit the model", "[eval]") {
    const std::int64_t n = 20;
    // A collapsed model: every score equal. Every ground truth ties with every other candidate.
    const RetrievalMetrics flat = retrieval_metrics(full({n, 5 * n}, 0.3, DType::F64), 5);
    CHECK(flat.rsum() == 0.0);
    CHECK(flat.i2t.medr == 5 * n - 5 + 1);  // behind the 95 captions of the other images
    CHECK(flat.t2i.meanr == n);
    // NaN everywhere (NaN features or weights): nothing is found.
    CHECK(retrieval_metrics(full({n, n}, NAN, DType::F64), 1).rsum() == 0.0);
    // A perfect diagonal with one NaN ground truth and one NaN distractor: only those two queries lose.
    std::vector<double> v(n * n, 0.0);
    for (std::int64_t i = 0; i < n; ++i) v[i * n + i] = 1.0;
    v[2 * n + 2] = NAN;  // image 2's caption: its ground truth is NaN
    v[5 * n + 7] = NAN;  // image 5 scores caption 7 NaN: it ranks above caption 5 for image 5, above image 7 for caption 7
    const RetrievalMetrics m = retrieval_metrics(from_vector(v, {n, n}), 1);
    CHECK(m.i2t.r1 == Approx(100.0 * (n - 2) / n));  // images 2 (NaN truth) and 5 (NaN distractor)
    CHECK(m.t2i.r1 == Approx(100.0 * (n - 2) / n));  // captions 2 and 7
    CHECK(m.i2t.r10 == Approx(100.0 * (n - 1) / n)); // image 5's caption is second; image 2's last
    // Two captions of an image tied at the top do not push each other down; a third party's tie does.
    std::vector<double> w(2 * 10, 0.0);
    w[0] = w[1] = 0.8;     // image 0: both its captions at 0.8
    w[15] = 0.5, w[10] = 0.5;  // image 1: its caption 5 ties with image 0's caption 0
    const RetrievalMetrics t = retrieval_metrics(from_vector(w, {2, 10}), 5);
    CHECK(t.i2t.r1 == Approx(50.0));  // image 0 first; image 1 rank 1 (caption 0 ties with its best)
}

TEST_CASE("metrics: im_div 5 takes the best caption; 5 folds average per metric", "[eval]") {
    const std::int64_t n = 10;
    std::vector<double> v(n * 5 * n, 0.0);
    for (std::int64_t i = 0; i < n; ++i) v[i * 5 * n + i * 5 + 3] = 1.0;  // one of its 5 captions wins
    const Tensor s = from_vector(v, {n, 5 * n});
    const RetrievalMetrics m = retrieval_metrics(s, 5);
    CHECK(m.i2t.r1 == 100.0);
    // The other 4 captions of each image tie at 0 with every image: a tie counts against the model.
    CHECK(m.t2i.r1 == Approx(20.0));
    CHECK(m.t2i.r10 == Approx(100.0));  // rank 9 of 10 images
    const RetrievalMetrics f = retrieval_metrics_folds(s, 5, 5);
    CHECK(f.i2t.r1 == 100.0);
    CHECK(f.t2i.r1 == Approx(20.0));
    CHECK_THROWS_WITH(retrieval_metrics_folds(s, 5, 3), Catch::Contains("folds"));
    CHECK_THROWS_WITH(retrieval_metrics(s, 2), Catch::Contains("retrieval_metrics"));
}
