// SPDX-License-Identifier: MIT
#include "eval/two_stage.h"

#include <catch2/catch.hpp>
#include <random>
#include <vector>

#include "core/ops.h"

using namespace imram;

namespace {

Tensor random_scores(std::int64_t ni, std::int64_t nc, unsigned seed) {
    std::mt19937 g(seed);
    std::uniform_real_distribution<double> u(-1, 1);
    std::vector<double> v(static_cast<std::size_t>(ni * nc));
    for (double& x : v) x = u(g);
    return from_vector(v, {ni, nc});
}

bool same_recall(const eval::Recall& a, const eval::Recall& b) {
    return a.r1 == b.r1 && a.r5 == b.r5 && a.r10 == b.r10;
}

}  // namespace

TEST_CASE("two-stage metrics: a hand-computed cut; ties at the cut never credit the model", "[eval]") {
    // The re-ranking model is perfect; the first stage hides image 0's caption from it (i2t). For
    // caption 1 it ties images 0 and 1: both stay candidates, and the perfect second stage finds image 1.
    const Tensor second = from_vector(std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1}, {3, 3});
    const Tensor first = from_vector(std::vector<double>{0, 1, 0.5, 0, 1, 0, 0, 0, 1}, {3, 3});
    const eval::RetrievalMetrics one = eval::two_stage_metrics(first, second, 1, 1);
    CHECK(one.i2t.r1 == Approx(200.0 / 3));
    CHECK(one.t2i.r1 == 100);
    // R@5 proposes 5 candidates (all three here): nothing is hidden.
    CHECK(one.i2t.r5 == 100);
    const eval::RetrievalMetrics two = eval::two_stage_metrics(first, second, 1, 2);
    CHECK(two.i2t.r1 == Approx(200.0 / 3));  // image 0's caption is its first stage's last
    CHECK(eval::two_stage_metrics(first, second, 1, 3).rsum() == 600);
    // Both stages score everything alike: a cut at 1 must not hand every query its lowest-numbered
    // item (the ground truth for image 0 and caption 0); ties count against the model, as exhaustively.
    const Tensor alike = from_vector(std::vector<double>(9, 0.5), {3, 3});
    const eval::RetrievalMetrics flat = eval::two_stage_metrics(alike, alike, 1, 1);
    CHECK(flat.i2t.r1 == 0);
    CHECK(flat.t2i.r1 == 0);
    CHECK(flat.rsum() == eval::retrieval_metrics(alike, 1).rsum());
}

TEST_CASE("two-stage metrics: every item a candidate is exhaustive search; the same model loses nothing", "[eval]") {
    const Tensor first = random_scores(20, 100, 1), second = random_scores(20, 100, 2);
    const eval::RetrievalMetrics all = eval::retrieval_metrics(second, 5);
    const eval::RetrievalMetrics cut = eval::two_stage_metrics(first, second, 5, 100);
    CHECK(same_recall(cut.i2t, all.i2t));
    CHECK(same_recall(cut.t2i, all.t2i));
    CHECK(cut.i2t.medr == all.i2t.medr);
    CHECK(cut.t2i.meanr == all.t2i.meanr);
    // With the re-ranking model as its own first stage, any cut keeps the top K it is asked for.
    for (const std::int64_t n : {1, 2, 3, 7, 30}) {
        const eval::RetrievalMetrics self = eval::two_stage_metrics(second, second, 5, n);
        CHECK(same_recall(self.i2t, all.i2t));
        CHECK(same_recall(self.t2i, all.t2i));
    }
    // A random first stage with few candidates hides most ground truths: recall drops.
    CHECK(eval::two_stage_metrics(first, second, 5, 1).rsum() < all.rsum());
}

TEST_CASE("two-stage metrics: mismatched or non-finite matrices and no candidates are refused", "[eval][errors]") {
    const Tensor a = random_scores(4, 20, 3);
    CHECK_THROWS_WITH(eval::two_stage_metrics(a, random_scores(4, 19, 3), 5, 3), Catch::Contains("alike"));
    CHECK_THROWS_WITH(eval::two_stage_metrics(a, a, 5, 0), Catch::Contains("at least 1"));
    std::vector<double> v = a.to_vector<double>();
    v[7] = std::nan("");
    CHECK_THROWS_WITH(eval::two_stage_metrics(from_vector(v, {4, 20}), a, 5, 3), Catch::Contains("first stage"));
}
