// SPDX-License-Identifier: MIT
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <vector>

#include "models/imram/model.h"
#include "core/ops.h"
#include "core/autograd.h"
#include "tests/testing/compare.h"
#include "tests/testing/temp.h"
#include "io/npy.h"
#include "data/demo_data.h"
#include "eval/encode.h"

using namespace imram;

TEST_CASE("encode: the written .npy arrays equal a direct encode through the model", "[eval]") {
    data::DemoOptions o;
    o.test_images = 6, o.regions = 5, o.features = 12;
    const data::Dataset d = data::demo_split("test", o);
    REQUIRE(d.num_captions() == 30);
    models::ModelConfig c;
    c.vocab_size = static_cast<std::int64_t>(data::demo_words().size());
    c.img_dim = 12, c.embed_size = 6, c.word_dim = 4, c.iteration_step = 2;
    const models::ImramModel model(c, 11);

    const std::string dir = testing::tmp_path("encode_out");
    std::filesystem::remove_all(dir);
    std::vector<std::pair<std::int64_t, std::int64_t>> calls;
    // Batches of 4 so that captions padded in different batches must still share one length.
    const eval::EncodeSummary s = eval::write_embeddings(model, d, dir, 4, [&](std::int64_t done, std::int64_t total) {
        calls.emplace_back(done, total);
    });
    const Tensor img = io::load_npy(dir + "/img_emb.npy");
    const Tensor cap = io::load_npy(dir + "/cap_emb.npy");
    const Tensor lens = io::load_npy(dir + "/cap_lens.npy", DType::I32);

    // The direct encode: every image and every caption in one call, ids padded here by hand.
    std::int64_t L = 0;
    for (const auto& ids : d.captions) L = std::max<std::int64_t>(L, static_cast<std::int64_t>(ids.size()));
    std::vector<std::int64_t> flat(static_cast<std::size_t>(d.num_captions() * L), 0), lengths;
    for (std::size_t j = 0; j < d.captions.size(); ++j) {
        std::copy(d.captions[j].begin(), d.captions[j].end(), flat.begin() + static_cast<std::ptrdiff_t>(j * L));
        lengths.push_back(static_cast<std::int64_t>(d.captions[j].size()));
    }
    NoGradGuard no_grad;
    const models::Encoded want = model.encode(d.images, from_vector(flat, {d.num_captions(), L}), lengths);

    CHECK(img.shape() == Shape{6, 5, 6});
    CHECK(cap.shape() == Shape{30, L, 6});
    CHECK(s.images == img.shape());
    CHECK(s.captions == cap.shape());
    CHECK(lens.shape() == Shape{30});
    // Batching changes only the order of floating-point sums, if anything.
    CHECK(testing::diff(img, want.images).max_abs < 1e-6);
    CHECK(testing::diff(cap, want.captions).max_abs < 1e-6);
    const std::vector<std::int32_t> got_lens = lens.to_vector<std::int32_t>();
    const std::vector<float> cap_v = cap.to_vector<float>();
    bool padding_zero = true, words_nonzero = true;
    for (std::int64_t j = 0; j < 30; ++j) {
        CHECK(got_lens[static_cast<std::size_t>(j)] == lengths[static_cast<std::size_t>(j)]);
        for (std::int64_t l = 0; l < L; ++l) {
            double norm = 0;
            for (std::int64_t k = 0; k < 6; ++k) norm += std::abs(cap_v[static_cast<std::size_t>((j * L + l) * 6 + k)]);
            if (l >= lengths[static_cast<std::size_t>(j)] && norm != 0) padding_zero = false;
            if (l < lengths[static_cast<std::size_t>(j)] && norm == 0) words_nonzero = false;
        }
    }
    CHECK(padding_zero);
    CHECK(words_nonzero);
    // Progress: images then captions, increasing, ending at N + M.
    REQUIRE(!calls.empty());
    CHECK(calls.front() == std::pair<std::int64_t, std::int64_t>{4, 36});
    CHECK(calls.back() == std::pair<std::int64_t, std::int64_t>{36, 36});
    for (std::size_t i = 1; i < calls.size(); ++i) CHECK(calls[i].first > calls[i - 1].first);
    CHECK(calls.size() == 2 + 8);  // ceil(6 / 4) image batches, ceil(30 / 4) caption batches
}
