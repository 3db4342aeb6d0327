// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "core/ops.h"
#include "data/labels.h"
#include "eval/pmrp.h"

using namespace imram;
using namespace imram::eval;
using data::make_image_labels;

namespace {

// The hand-computed example: 4 images, 2 captions each (caption c belongs to image c / 2).
// Labels: image 0 {1}, image 1 {1, 2}, image 2 {3}, image 3 {1, 2, 3}. Hamming distances:
//        0  1  2  3
//    0   0  1  2  2
//    1   1  0  3  1
//    2   2  3  0  2
//    3   2  1  2  0
data::ImageLabels example_labels() {
    return make_image_labels({{1}, {1, 2}, {3}, {1, 2, 3}});
}

// Rows: images; columns: captions c0..c7. Each row has distinct scores; columns c3, c4, c6 and c7 have ties.
const std::vector<double> kExample = {
    .8, .6, .9, .4, .7, .3, .5, .2,  // image 0
    .5, .2, .8, .6, .9, .4, .7, .3,  // image 1
    .7, .4, .6, .3, .9, .8, .5, .2,  // image 2
    .9, .3, .7, .4, .5, .2, .8, .6,  // image 3
};

// Scores from label distances: s(image i, caption c) = sign * distance(i, image of c).
Tensor from_distances(const data::ImageLabels& l, std::int64_t im_div, double sign) {
    const std::int64_t n = l.num_images();
    std::vector<double> v(n * n * im_div);
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t c = 0; c < n * im_div; ++c)
            v[i * n * im_div + c] = sign * static_cast<double>(data::label_distance(l.sets[i], l.sets[c / im_div]));
    return from_vector(v, {n, n * im_div});
}

// Reference: a full sort per query by the documented order (NaN non-plausible first, then decreasing
// score with non-plausible first among ties, then NaN plausible), then counting the first R.
struct Reference {
    std::array<double, 3> i2t{}, t2i{};
    std::int64_t i2t_queries = 0, t2i_queries = 0;
};
Reference reference(const std::vector<double>& s, std::int64_t ni, std::int64_t im_div, const data::ImageLabels& l) {
    const std::int64_t nc = ni * im_div;
    Reference ref;
    auto rp = [](std::vector<std::pair<double, bool>> items) {  // (score, plausible)
        auto cls = [](const std::pair<double, bool>& a) { return std::isnan(a.first) ? (a.second ? 2 : 0) : 1; };
        std::stable_sort(items.begin(), items.end(), [&](const auto& a, const auto& b) {
            if (cls(a) != cls(b)) return cls(a) < cls(b);
            if (cls(a) != 1) return false;
            if (a.first != b.first) return a.first > b.first;
            return !a.second && b.second;
        });
        std::int64_t R = 0;
        for (const auto& it : items) R += it.second;
        std::int64_t hits = 0;
        for (std::int64_t k = 0; k < R; ++k) hits += items[k].second;
        return R > 0 ? static_cast<double>(hits) / R : 0.0;
    };
    auto dist = [&](std::int64_t a, std::int64_t b) { return data::label_distance(l.sets[a], l.sets[b]); };
    for (int z = 0; z < 3; ++z) {
        for (std::int64_t q = 0; q < ni; ++q) {
            if (!l.labeled(q)) continue;
            std::vector<std::pair<double, bool>> items;
            for (std::int64_t c = 0; c < nc; ++c)
                if (l.labeled(c / im_div)) items.emplace_back(s[q * nc + c], dist(q, c / im_div) <= z);
            ref.i2t[z] += rp(items);
            ref.i2t_queries += z == 0;
        }
        for (std::int64_t c = 0; c < nc; ++c) {
            if (!l.labeled(c / im_div)) continue;
            std::vector<std::pair<double, bool>> items;
            for (std::int64_t i = 0; i < ni; ++i)
                if (l.labeled(i)) items.emplace_back(s[i * nc + c], dist(i, c / im_div) <= z);
            ref.t2i[z] += rp(items);
            ref.t2i_queries += z == 0;
        }
    }
    for (int z = 0; z < 3; ++z) {
        ref.i2t[z] *= 100.0 / static_cast<double>(ref.i2t_queries);
        ref.t2i[z] *= 100.0 / static_cast<double>(ref.t2i_queries);
    }
    return ref;
}

void check_direction(const PmrpDirection& d, std::array<double, 3> per_zeta) {
    for (int z = 0; z < 3; ++z) CHECK(d.per_zeta[z] == Approx(per_zeta[z]).epsilon(1e-12));
    CHECK(d.pmrp == Approx((per_zeta[0] + per_zeta[1] + per_zeta[2]) / 3).epsilon(1e-12));
}

}  // namespace

TEST_CASE("pmrp: a hand-computed example, R and R-precision differing between zetas", "[eval][pmrp]") {
    // i2t, each row ranked (images of the ranked captions -> distances from the query image):
    //   image 0: c2 c0 c4 c1 c6 c3 c5 c7 -> images 1 0 2 0 3 1 2 3 -> d 1 0 2 0 2 1 2 2
    //     zeta 0: R = 2, first 2 hold 1 -> 1/2; zeta 1: R = 4, first 4 hold 3 -> 3/4; zeta 2: R = 8 -> 1
    //   image 1: c4 c2 c6 c3 c0 c5 c7 c1 -> d 3 0 1 0 1 3 1 1
    //     zeta 0: R = 2 -> 1/2; zeta 1: R = 6, first 6 hold 4 -> 2/3; zeta 2: no distance 2 -> 2/3
    //   image 2: c4 c5 c0 c2 c6 c1 c3 c7 -> d 0 0 2 3 2 2 3 2
    //     zeta 0: R = 2 -> 1; zeta 1: R = 2 -> 1; zeta 2: R = 6, first 6 hold 5 -> 5/6
    //   image 3: c0 c6 c2 c7 c4 c3 c1 c5 -> d 2 0 1 0 2 1 2 2
    //     zeta 0: 1/2; zeta 1: R = 4 -> 3/4; zeta 2: R = 8 -> 1
    //   i2t: zeta 0 (1/2 + 1/2 + 1 + 1/2) / 4 = 62.5; zeta 1 (3/4 + 2/3 + 1 + 3/4) / 4 = 79.1666...;
    //        zeta 2 (1 + 2/3 + 5/6 + 1) / 4 = 87.5; PMRP = 76.3888...
    // t2i, each column ranked (d = distance of the ranked image from the caption's image):
    //   c0 (image 0): .9 img3, .8 img0, .7 img2, .5 img1 -> d 2 0 2 1: zeta 0: 0; 1: R = 2 -> 1/2; 2: 1
    //   c1 (image 0): img0 img2 img3 img1 -> d 0 2 2 1: zeta 0: 1; 1: 1/2; 2: 1
    //   c2 (image 1): img0 img1 img3 img2 -> d 1 0 1 3: zeta 0: 0; 1: R = 3 -> 1; 2: 1
    //   c3 (image 1): img1, then img0 and img3 tied at .4, img2 -> d 0 1 1 3: 1, 1, 1
    //   c4 (image 2): img1 (d 3) and img2 (d 0) tied at .9, img0 .7 (d 2), img3 .5 (d 2). The tie puts
    //     the non-plausible img1 first: zeta 0: R = 1 -> 0; zeta 1: R = 1 -> 0; zeta 2: R = 3, first 3
    //     img1 img2 img0 -> 2/3 (ranking img2 first would have given 1 and 1 at zeta 0 and 1)
    //   c5 (image 2): img2 img1 img0 img3 -> d 0 3 2 2: 1, 1, R = 3 -> 2/3
    //   c6 (image 3): img3, img1, img0 and img2 tied -> d 0 1 2 2: 1, 1, 1
    //   c7 (image 3): img3, img1, img0 and img2 tied -> 1, 1, 1
    //   t2i: zeta 0 5/8 = 62.5; zeta 1 6/8 = 75; zeta 2 (6 + 4/3) / 8 = 91.666...; PMRP = 76.3888...
    const data::ImageLabels l = example_labels();
    for (const DType dt : {DType::F64, DType::F32}) {
        const PmrpMetrics m = pmrp(from_vector(kExample, {4, 8}).to(dt), 2, l);
        check_direction(m.i2t, {62.5, 100.0 * (3.0 / 4 + 2.0 / 3 + 1 + 3.0 / 4) / 4, 87.5});
        check_direction(m.t2i, {62.5, 75.0, 100.0 * (6 + 4.0 / 3) / 8});
        CHECK(m.i2t.pmrp == Approx(76.388888888889));
        CHECK(m.t2i.pmrp == Approx(76.388888888889));
        CHECK(m.i2t.queries == 4);
        CHECK(m.t2i.queries == 8);
        CHECK(m.i2t.skipped == std::array<std::int64_t, 3>{0, 0, 0});
        CHECK(m.mean() == Approx(76.388888888889));
    }
    const Reference ref = reference(kExample, 4, 2, l);
    CHECK(ref.i2t[1] == Approx(100.0 * (3.0 / 4 + 2.0 / 3 + 1 + 3.0 / 4) / 4));
    CHECK(ref.t2i[0] == Approx(62.5));
    const PmrpMetrics m = pmrp(from_vector(kExample, {4, 8}), 2, l);
    CHECK_THAT(m.to_json(),
               Catch::Contains("\"i2t\": {\"pmrp\": 76.39, \"zeta0\": 62.50, \"zeta1\": 79.17, \"zeta2\": 87.50"));
    CHECK_THAT(m.to_table(), Catch::Contains("PMRP mean 76.39"));
}

TEST_CASE("pmrp: a perfect ranking gives 100, a reversed one and all-equal scores a third", "[eval][pmrp]") {
    const data::ImageLabels l = example_labels();
    // Scores = -distance: every plausible item outranks every other at each zeta (ties only between
    // items of the same distance, which are plausible or not together).
    const PmrpMetrics perfect = pmrp(from_distances(l, 2, -1.0), 2, l);
    CHECK(perfect.i2t.pmrp == 100.0);
    CHECK(perfect.t2i.pmrp == 100.0);
    // Scores = +distance. i2t, images 0..3: zeta 0: 0 0 0 0; zeta 1: 0, 4/6, 0, 0; zeta 2: 1, 4/6, 4/6, 1
    // (image 1: captions at d 3 3 1 1 1 1 0 0, R = 6 at zeta 1 and 2, first 6 hold 4). t2i, per image the
    // same values (galleries of images: image 1: d 3 1 1 0, R = 3, first 3 hold 2).
    // -> zeta 0: 0; zeta 1: 100/6; zeta 2: 100 * (10/3) / 4 = 83.33; PMRP = 100/3.
    const PmrpMetrics reversed = pmrp(from_distances(l, 2, 1.0), 2, l);
    check_direction(reversed.i2t, {0.0, 100.0 / 6, 250.0 / 3});
    check_direction(reversed.t2i, {0.0, 100.0 / 6, 250.0 / 3});
    // A collapsed model: all scores equal. Every tie puts the plausible items last, so a query's
    // R-precision is max(0, 2R - G) / R, here the reversed ranking's values; never 100.
    const PmrpMetrics flat = pmrp(full({4, 8}, 0.25, DType::F32), 2, l);
    CHECK(flat.i2t.pmrp == Approx(100.0 / 3));
    CHECK(flat.t2i.pmrp == Approx(100.0 / 3));
    check_direction(flat.i2t, {0.0, 100.0 / 6, 250.0 / 3});
}

TEST_CASE("pmrp: unlabeled images are neither queries nor retrieved", "[eval][pmrp]") {
    // The example plus an unlabeled image 4 (captions c8, c9) scoring highest everywhere: were it ranked,
    // it would push every plausible item down. The result must equal the example's.
    std::vector<double> v;
    for (std::int64_t i = 0; i < 5; ++i)
        for (std::int64_t c = 0; c < 10; ++c) v.push_back(i < 4 && c < 8 ? kExample[i * 8 + c] : 5.0 + 0.1 * c);
    const data::ImageLabels l = make_image_labels({{1}, {1, 2}, {3}, {1, 2, 3}, {}});
    const PmrpMetrics with = pmrp(from_vector(v, {5, 10}), 2, l);
    const PmrpMetrics without = pmrp(from_vector(kExample, {4, 8}), 2, example_labels());
    CHECK(with.i2t.queries == 4);
    CHECK(with.t2i.queries == 8);
    for (int z = 0; z < 3; ++z) {
        CHECK(with.i2t.per_zeta[z] == Approx(without.i2t.per_zeta[z]));
        CHECK(with.t2i.per_zeta[z] == Approx(without.t2i.per_zeta[z]));
    }
    // The full-sort reference leaves the image out too.
    const Reference ref = reference(v, 5, 2, l);
    for (int z = 0; z < 3; ++z) CHECK(ref.t2i[z] == Approx(without.t2i.per_zeta[z]));
}

TEST_CASE("pmrp: NaN ranks a non-plausible item first and a plausible one last, as recall does", "[eval][pmrp]") {
    const data::ImageLabels l = example_labels();
    // The perfect ranking with two NaN scores of image 0: caption c0 (its own, plausible at every zeta)
    // and c4 (image 2, distance 2: not plausible at zeta 0 and 1, plausible at 2).
    std::vector<double> v(32);
    for (std::int64_t i = 0; i < 4; ++i)
        for (std::int64_t c = 0; c < 8; ++c)
            v[i * 8 + c] = -static_cast<double>(data::label_distance(l.sets[i], l.sets[c / 2]));
    v[0 * 8 + 0] = NAN;
    v[0 * 8 + 4] = NAN;
    // i2t image 0: [c4 NaN] c1 (d 0) c2 c3 (d 1) c5 c6 c7 (d 2) [c0 NaN]. zeta 0: R = 2, first 2 c4 c1
    //   -> 1/2; zeta 1: R = 4, c4 c1 c2 c3 -> 3/4; zeta 2: everything plausible -> 1. Images 1-3: 1.
    //   -> zeta 0: 87.5; zeta 1: 93.75; zeta 2: 100.
    // t2i c0 (image 0): img1 (-1), img2 and img3 (-2), [img0 NaN, plausible] -> zeta 0: R = 1 -> 0;
    //   zeta 1: R = 2 (img0 img1) -> 1/2; zeta 2: 1.
    //   c4 (image 2): [img0 NaN, d 2] first at zeta 0 and 1 -> 0 and 0 (R = 1); at zeta 2 last: img2 img3
    //   img1 [img0] with R = 3 -> 2/3. Other captions: 1.
    //   -> zeta 0: 6/8 = 75; zeta 1: 6.5/8 = 81.25; zeta 2: (7 + 2/3)/8 = 95.833...
    const PmrpMetrics m = pmrp(from_vector(v, {4, 8}), 2, l);
    check_direction(m.i2t, {87.5, 93.75, 100.0});
    check_direction(m.t2i, {75.0, 81.25, 100.0 * (7 + 2.0 / 3) / 8});
    // All NaN: nothing is found where something else could be, like all-equal scores.
    const PmrpMetrics nan = pmrp(full({4, 8}, NAN, DType::F64), 2, l);
    check_direction(nan.i2t, {0.0, 100.0 / 6, 250.0 / 3});
    check_direction(nan.t2i, {0.0, 100.0 / 6, 250.0 / 3});
}

TEST_CASE("pmrp: equals a full-sort reference on random scores with ties, NaN and unlabeled images", "[eval][pmrp]") {
    std::mt19937 rng(7);
    for (const std::int64_t im_div : {1, 5}) {
        for (int trial = 0; trial < 4; ++trial) {
            const std::int64_t ni = 30 + 7 * trial, nc = ni * im_div;
            std::vector<std::vector<std::int64_t>> ids(ni);
            for (auto& s : ids) {
                if (rng() % 8 == 0) continue;  // unlabeled
                const int k = 1 + static_cast<int>(rng() % 3);
                for (int t = 0; t < k; ++t) s.push_back(static_cast<std::int64_t>(rng() % 5));
            }
            const data::ImageLabels l = make_image_labels(ids);
            std::vector<double> v(ni * nc);
            for (auto& x : v) {
                x = static_cast<double>(rng() % 9) / 8.0;  // few distinct values: many ties
                if (rng() % 50 == 0) x = NAN;
                if (rng() % 100 == 0) x = INFINITY;
            }
            const Reference ref = reference(v, ni, im_div, l);
            for (const DType dt : {DType::F64, DType::F32}) {
                const PmrpMetrics m = pmrp(from_vector(v, {ni, nc}).to(dt), im_div, l);
                CHECK(m.i2t.queries == ref.i2t_queries);
                CHECK(m.t2i.queries == ref.t2i_queries);
                for (int z = 0; z < 3; ++z) {
                    CHECK(m.i2t.per_zeta[z] == Approx(ref.i2t[z]).epsilon(1e-12));
                    CHECK(m.t2i.per_zeta[z] == Approx(ref.t2i[z]).epsilon(1e-12));
                }
            }
        }
    }
}

TEST_CASE("pmrp: folds average PMRP within blocks of images; a caption map equals im_div", "[eval][pmrp]") {
    std::mt19937 rng(11);
    const std::int64_t ni = 40, im_div = 5, nc = ni * im_div, folds = 4;
    std::vector<std::vector<std::int64_t>> ids(ni);
    for (auto& s : ids)
        for (int t = 0; t < 2; ++t) s.push_back(static_cast<std::int64_t>(rng() % 4));
    const data::ImageLabels l = make_image_labels(ids);
    std::vector<double> v(ni * nc);
    for (auto& x : v) x = std::uniform_real_distribution<double>(-1, 1)(rng);
    const Tensor s = from_vector(v, {ni, nc});

    const PmrpMetrics f = pmrp_folds(s, im_div, l, folds);
    std::array<double, 3> i2t{}, t2i{};
    const std::int64_t fi = ni / folds;
    for (std::int64_t k = 0; k < folds; ++k) {
        const Tensor block = slice(slice(s, 0, k * fi, (k + 1) * fi), 1, k * fi * im_div, (k + 1) * fi * im_div);
        data::ImageLabels lk;
        lk.sets.assign(l.sets.begin() + k * fi, l.sets.begin() + (k + 1) * fi);
        const PmrpMetrics m = pmrp(block, im_div, lk);
        for (int z = 0; z < 3; ++z) i2t[z] += m.i2t.per_zeta[z] / folds, t2i[z] += m.t2i.per_zeta[z] / folds;
    }
    check_direction(f.i2t, i2t);
    check_direction(f.t2i, t2i);
    CHECK(f.i2t.queries == ni);
    CHECK(f.t2i.queries == nc);
    // One fold is the whole matrix.
    CHECK(pmrp_folds(s, im_div, l, 1).i2t.pmrp == Approx(pmrp(s, im_div, l).i2t.pmrp).epsilon(1e-12));

    // Captions listed in another order, with the map saying whose they are: the same numbers.
    std::vector<std::int64_t> perm(nc), cap_img(nc);
    for (std::int64_t j = 0; j < nc; ++j) perm[j] = j;
    std::shuffle(perm.begin(), perm.end(), rng);
    std::vector<double> w(ni * nc);
    for (std::int64_t j = 0; j < nc; ++j) {
        cap_img[j] = perm[j] / im_div;
        for (std::int64_t i = 0; i < ni; ++i) w[i * nc + j] = v[i * nc + perm[j]];
    }
    const PmrpMetrics a = pmrp(s, im_div, l), b = pmrp(from_vector(w, {ni, nc}), cap_img, l);
    for (int z = 0; z < 3; ++z) {
        CHECK(b.i2t.per_zeta[z] == Approx(a.i2t.per_zeta[z]).epsilon(1e-12).margin(1e-9));
        CHECK(b.t2i.per_zeta[z] == Approx(a.t2i.per_zeta[z]).epsilon(1e-12).margin(1e-9));
    }
}

TEST_CASE("pmrp: a query without any plausible item is skipped and counted", "[eval][pmrp]") {
    // Through a caption map, image 2 has no caption and a label set nobody else has: as an i2t query it
    // has nothing plausible at zeta 0 (its distance to images 0 and 1 is 3, so nothing at 1 or 2 either).
    const data::ImageLabels l = make_image_labels({{1}, {1}, {7, 8, 9}});
    const std::vector<std::int64_t> cap_img = {0, 0, 1, 1};
    const std::vector<double> v = {.9, .8, .2, .1,  //
                                   .1, .2, .8, .9,  //
                                   .5, .5, .5, .5};
    const PmrpMetrics m = pmrp(from_vector(v, {3, 4}), cap_img, l);
    CHECK(m.i2t.queries == 3);
    CHECK(m.i2t.skipped == std::array<std::int64_t, 3>{1, 1, 1});
    CHECK(m.i2t.pmrp == 100.0);  // images 0 and 1: all four captions are plausible for both
    CHECK(m.t2i.queries == 4);
    CHECK(m.t2i.skipped == std::array<std::int64_t, 3>{0, 0, 0});
    // t2i: images 0 and 1 plausible, image 2 (.5) between them in every column -> R = 2, first 2 hold 1.
    CHECK(m.t2i.pmrp == Approx(50.0));
}

TEST_CASE("pmrp: shapes, label counts and maps that do not fit are refused", "[eval][pmrp][errors]") {
    using Catch::Contains;
    const data::ImageLabels l = example_labels();
    const Tensor s = from_vector(kExample, {4, 8});
    CHECK_THROWS_WITH(pmrp(s, 3, l), Contains("expected scores (N, 3 N)"));
    CHECK_THROWS_WITH(pmrp(s, 2, make_image_labels({{1}, {2}, {3}})), Contains("3 label lines for 4 images"));
    CHECK_THROWS_WITH(pmrp(s, 2, make_image_labels({{}, {}, {}, {}})), Contains("no image is labeled"));
    data::ImageLabels unsorted;
    unsorted.sets = {{2, 1}, {1}, {1}, {1}};
    CHECK_THROWS_WITH(pmrp(s, 2, unsorted), Contains("image 0") && Contains("not sorted and unique"));
    CHECK_THROWS_WITH(pmrp(s, std::vector<std::int64_t>{0, 0, 1, 1, 2, 2, 3}, l),
                      Contains("7 caption-to-image entries"));
    CHECK_THROWS_WITH(pmrp(s, std::vector<std::int64_t>{0, 0, 1, 1, 2, 2, 3, 4}, l),
                      Contains("caption 7 belongs to image 4"));
    CHECK_THROWS_WITH(pmrp_folds(s, 2, l, 3), Contains("do not split into 3 folds"));
    CHECK_THROWS_WITH(pmrp_folds(s, 2, make_image_labels({{1}, {2}, {}, {}}), 2),
                      Contains("fold 1") && Contains("no image is labeled"));
    CHECK_THROWS_WITH(pmrp(full({4}, 1.0), 2, l), Contains("expected scores"));
    CHECK_THROWS_WITH(pmrp(full({4}, 1.0), std::vector<std::int64_t>{}, l), Contains("2-d score matrix"));
}
