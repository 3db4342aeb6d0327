// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "core/ops.h"
#include "train/demo_data.h"
#include "train/metrics.h"

using namespace imram;
using namespace imram::train;

TEST_CASE("metrics: ranks, recalls, medr and meanr on a known matrix", "[train]") {
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

TEST_CASE("metrics: im_div 5 takes the best caption; 5 folds average per metric", "[train]") {
    const std::int64_t n = 10;
    std::vector<double> v(n * 5 * n, 0.0);
    for (std::int64_t i = 0; i < n; ++i) v[i * 5 * n + i * 5 + 3] = 1.0;  // one of its 5 captions wins
    const Tensor s = from_vector(v, {n, 5 * n});
    const RetrievalMetrics m = retrieval_metrics(s, 5);
    CHECK(m.i2t.r1 == 100.0);
    CHECK(m.t2i.r1 == 100.0);  // the other captions tie at 0 with every image: only strictly higher scores rank above
    const RetrievalMetrics f = retrieval_metrics_folds(s, 5, 5);
    CHECK(f.i2t.r1 == 100.0);
    CHECK_THROWS_WITH(retrieval_metrics_folds(s, 5, 3), Catch::Contains("folds"));
    CHECK_THROWS_WITH(retrieval_metrics(s, 2), Catch::Contains("retrieval_metrics"));
}

TEST_CASE("demo data: reproducible, precomp shapes, twins differ only in binding", "[train]") {
    DemoOptions o;
    o.dev_images = 8;
    o.features = 64;
    const Dataset a = demo_split("dev", o), b = demo_split("dev", o);
    REQUIRE(a.images.shape() == Shape{8, 36, 64});
    CHECK(a.num_captions() == 40);
    CHECK(a.im_div == 5);
    CHECK(a.texts == b.texts);
    CHECK(a.images.to_vector<float>() == b.images.to_vector<float>());
    CHECK(demo_split("train", o).texts != a.texts);
    const auto words = demo_words();
    CHECK(words[0] == "<pad>");
    CHECK(words[3] == "<unk>");
    CHECK(a.vocab_size == static_cast<std::int64_t>(words.size()));
    for (const auto& c : a.captions) {
        CHECK(c.front() == 1);
        CHECK(c.back() == 2);
        for (auto id : c) CHECK(id != 3);  // no unknown words
    }
    // (colour, object) bigrams of an image's captions vs its twin's: same words, different bindings.
    auto bigrams = [&](std::int64_t img) {
        std::set<std::string> out;
        std::istringstream in(a.texts[img * 5]);
        std::string prev, w;
        while (in >> w) {
            if (!prev.empty()) out.insert(prev + " " + w);
            prev = w;
        }
        return out;
    };
    for (std::int64_t i = 0; i < 8; i += 2) CHECK(bigrams(i) != bigrams(i + 1));
    CHECK_THROWS_WITH(demo_split("val", o), Catch::Contains("val"));
}
