// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>

#include "core/ops.h"
#include "data/caption_drop.h"
#include "data/vocab.h"

using imram::Philox;
using imram::data::drop_batch_words;
using imram::data::drop_words;
using imram::data::Vocab;
using Ids = std::vector<std::int64_t>;

namespace {
/// <start> 10 11 .. 10+n-1 <end>: every word distinct, so where each went can be told.
Ids caption(std::int64_t n) {
    Ids c{Vocab::kStart};
    for (std::int64_t w = 0; w < n; ++w) c.push_back(10 + w);
    c.push_back(Vocab::kEnd);
    return c;
}
}  // namespace

TEST_CASE("caption drop: <unk> with probability p, then int(p n) words deleted, <start>/<end> kept", "[data]") {
    const double p = 0.1;
    std::int64_t words = 0, unk = 0;
    for (std::int64_t n : {0, 1, 5, 9, 10, 19, 20, 37}) {
        for (std::uint64_t t = 0; t < 400; ++t) {
            Philox rng(7, t << 12);
            const Ids in = caption(n), out = drop_words(in, p, rng);
            REQUIRE(out.front() == Vocab::kStart);
            REQUIRE(out.back() == Vocab::kEnd);
            const auto kept = n - static_cast<std::int64_t>(static_cast<double>(n) * p);
            REQUIRE(static_cast<std::int64_t>(out.size()) == kept + 2);
            // What is left is the caption's words in their order, some of them <unk>.
            std::int64_t last = -1;
            for (std::size_t i = 1; i + 1 < out.size(); ++i) {
                if (out[i] == Vocab::kUnk) {
                    ++unk;
                    continue;
                }
                REQUIRE(out[i] > last);
                REQUIRE(out[i] < 10 + n);
                last = out[i];
            }
            words += kept;
            // Draws are a function of the stream: the same stream gives the same caption.
            Philox again(7, t << 12);
            REQUIRE(drop_words(in, p, again) == out);
        }
    }
    // Binomial: 0.1 of the surviving words are <unk> (about 25,000 words: 3 sigma is 0.006).
    const double share = static_cast<double>(unk) / static_cast<double>(words);
    CHECK(share > 0.094);
    CHECK(share < 0.106);
    // Deletions reach every position: the first of 20 words is gone (made <unk>, or deleted by one of
    // the 2 deletions) with probability 0.1 + 0.9 * 0.1 = 0.19; 0.1 if deletions never reached it.
    std::int64_t first_gone = 0;
    for (std::uint64_t t = 0; t < 2000; ++t) {
        Philox rng(11, t << 12);
        const Ids out = drop_words(caption(20), p, rng);
        if (std::find(out.begin(), out.end(), 10) == out.end()) ++first_gone;
    }
    CHECK(first_gone > 320);  // mean 380, sigma 17.5
    CHECK(first_gone < 440);
    // p 0 changes nothing and draws nothing.
    Philox none(7, 0);
    CHECK(drop_words(caption(12), 0.0, none) == caption(12));
    CHECK(none.offset() == 0);
}

TEST_CASE("caption drop: a batch is re-padded, keyed by seed, step and position", "[data]") {
    imram::data::Batch b;
    const Ids c0 = caption(20), c1 = caption(6);
    Ids flat(2 * c0.size(), Vocab::kPad);
    std::copy(c0.begin(), c0.end(), flat.begin());
    std::copy(c1.begin(), c1.end(), flat.begin() + static_cast<std::ptrdiff_t>(c0.size()));
    b.ids = imram::from_vector(flat, {2, static_cast<std::int64_t>(c0.size())});
    b.lengths = {static_cast<std::int64_t>(c0.size()), static_cast<std::int64_t>(c1.size())};
    imram::data::Batch same = b, other_step = b, other_seed = b, off = b;
    drop_batch_words(b, 0.25, 3, 5);
    drop_batch_words(same, 0.25, 3, 5);
    drop_batch_words(other_step, 0.25, 3, 6);
    drop_batch_words(other_seed, 0.25, 4, 5);
    drop_batch_words(off, 0.0, 3, 5);
    CHECK(b.lengths == std::vector<std::int64_t>{22 - 5, 8 - 1});  // int(20 * 0.25) and int(6 * 0.25) deleted
    CHECK(b.ids.shape() == imram::Shape{2, 17});
    const Ids got = b.ids.to_vector<std::int64_t>();
    CHECK(got[17 + 6] == Vocab::kEnd);
    CHECK(std::all_of(got.begin() + 17 + 7, got.end(), [](std::int64_t v) { return v == Vocab::kPad; }));
    CHECK(same.ids.to_vector<std::int64_t>() == got);
    CHECK(other_step.ids.to_vector<std::int64_t>() != got);
    CHECK(other_seed.ids.to_vector<std::int64_t>() != got);
    CHECK(off.ids.to_vector<std::int64_t>() == flat);
    CHECK_THROWS_WITH(drop_batch_words(off, 1.0, 3, 5), Catch::Contains("must be in [0, 1), got 1"));
}
