// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "data/demo_data.h"

using namespace imram;
using namespace imram::data;

TEST_CASE("demo data: reproducible, precomp shapes, twins differ only in binding", "[data]") {
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
