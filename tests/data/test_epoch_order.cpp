// SPDX-License-Identifier: MIT
// The order of a training epoch (every caption, or one random caption per image as CAMP's loader),
// and the truncation of long captions (CAMP's 47 words).
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "data/demo_data.h"

using namespace imram;

namespace {
data::Dataset small() {
    data::DemoOptions o;
    o.train_images = 12, o.regions = 4, o.features = 8;
    return data::demo_split("train", o);  // 5 captions per image
}
}  // namespace

TEST_CASE("epoch order: every caption once, a new order each epoch, the same for the same seed", "[data]") {
    const data::Dataset d = small();
    const auto a = data::epoch_order(d, 7, 0, false), b = data::epoch_order(d, 7, 1, false);
    std::vector<std::int64_t> sorted = a;
    std::sort(sorted.begin(), sorted.end());
    for (std::int64_t i = 0; i < d.num_captions(); ++i) CHECK(sorted[static_cast<std::size_t>(i)] == i);
    CHECK(a != b);
    CHECK(a == data::epoch_order(d, 7, 0, false));
    CHECK(a != data::epoch_order(d, 8, 0, false));
}

TEST_CASE("epoch order: one caption per image, every image once, the caption drawn at random", "[data]") {
    const data::Dataset d = small();
    const std::int64_t n_img = d.num_captions() / d.im_div;
    std::set<std::int64_t> drawn_slots;
    for (std::int64_t epoch = 0; epoch < 8; ++epoch) {
        const auto o = data::epoch_order(d, 3, epoch, true);
        REQUIRE(static_cast<std::int64_t>(o.size()) == n_img);
        std::set<std::int64_t> images;
        for (const std::int64_t c : o) {
            REQUIRE(c >= 0);
            REQUIRE(c < d.num_captions());
            images.insert(d.image_of(c));
            drawn_slots.insert(c % d.im_div);
        }
        CHECK(static_cast<std::int64_t>(images.size()) == n_img);  // no image twice in an epoch
        CHECK(o == data::epoch_order(d, 3, epoch, true));
    }
    CHECK(drawn_slots.size() == 5);  // over 96 draws every one of the 5 captions came up
    CHECK(data::epoch_order(d, 3, 0, true) != data::epoch_order(d, 3, 1, true));
}

TEST_CASE("truncate_captions keeps <start>, the first N words and <end>", "[data]") {
    data::Dataset d = small();
    const auto before = d.captions;
    const std::int64_t cut = data::truncate_captions(d, 3);
    std::int64_t longer = 0;
    for (std::size_t j = 0; j < before.size(); ++j) {
        const auto& b = before[j];
        const auto& a = d.captions[j];
        if (b.size() <= 5) {
            CHECK(a == b);
            continue;
        }
        ++longer;
        REQUIRE(a.size() == 5);
        CHECK(std::equal(a.begin(), a.begin() + 4, b.begin()));  // <start> w1 w2 w3
        CHECK(a.back() == b.back());                             // <end>
    }
    CHECK(cut == longer);
    CHECK(longer > 0);
    CHECK(data::truncate_captions(d, 0) == 0);
    CHECK(data::truncate_captions(d, 3) == 0);  // already short enough
}
