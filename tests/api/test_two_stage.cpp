// SPDX-License-Identifier: MIT
// Two-stage search through the Retriever: a dual encoder's index proposes, a cross-attention model
// re-ranks. The exact first stage asked for the whole gallery must give exhaustive search's answer.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <thread>

#include "api/retriever.h"
#include "core/ops.h"
#include "data/demo_data.h"
#include "data/vocab.h"
#include "models/imram/model.h"
#include "models/registry.h"
#include "search/index_file.h"
#include "tests/testing/temp.h"

using namespace imram;
using imram::testing::tmp_path;

namespace {

struct TwoStageFixture {
    std::string vse_file = tmp_path("two_stage_vse.safetensors"), other_vse = tmp_path("two_stage_vse2.safetensors"),
                cross_file = tmp_path("two_stage_cross.safetensors"), vocab_file = tmp_path("two_stage_vocab.json");
    data::Dataset d;
    TwoStageFixture() {
        data::DemoOptions o;
        o.test_images = 12;
        o.features = 48;
        d = data::demo_split("test", o);
        models::ModelConfig c;
        c.vocab_size = d.vocab_size, c.word_dim = 8, c.img_dim = 48, c.embed_size = 16;
        c.mode = models::Mode::VSE;
        models::ImramModel vse(c, 3), other(c, 4);
        models::save_model(vse_file, vse);
        models::save_model(other_vse, other);
        c.mode = models::Mode::FullIMRAM;
        c.iteration_step = 2;
        models::ImramModel cross(c, 5);
        models::save_model(cross_file, cross);
        data::Vocab v;
        for (const auto& w : data::demo_words()) v.add(w);
        data::save_vocab(vocab_file, v);
    }
};

/// The same hits, scores within `tol`. With `b_scores` (b's score of every item), two items may trade
/// places when b scores them within `tol` of each other: a near-tie that the last bits decide.
bool same_hits(const std::vector<Retriever::Hit>& a, const std::vector<Retriever::Hit>& b, double tol,
               const Tensor& b_scores = Tensor()) {
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
        UNSCOPED_INFO(i << ": " << a[i].index << " " << a[i].score << " vs " << b[i].index << " " << b[i].score);
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::abs(a[i].score - b[i].score) > tol) return false;
        const bool near_tie = b_scores.defined() && std::abs(b_scores.at(a[i].index) - b[i].score) <= tol;
        if (a[i].index != b[i].index && !near_tie) return false;
    }
    return true;
}

}  // namespace

TEST_CASE("Two-stage search: the exact first stage over the whole gallery gives exhaustive search's ranking", "[api]") {
    TwoStageFixture f;
    const Retriever vse = Retriever::load(f.vse_file, f.vocab_file), cross = Retriever::load(f.cross_file, f.vocab_file);
    REQUIRE(vse.has_item_vectors());
    REQUIRE_FALSE(cross.has_item_vectors());
    const auto images = vse.index_images(f.d.images, {});
    const auto captions = vse.index_captions(f.d.texts, {});
    CHECK(images.index.size() == 12);
    CHECK(captions.index.size() == 60);
    const std::int64_t n_img = 12, n_cap = 60;
    for (const std::int64_t q : {0, 7, 33}) {
        const std::string& text = f.d.texts[static_cast<std::size_t>(q)];
        // First stage alone = the dual encoder's own exhaustive search (its score is the inner product).
        const auto vse_images = vse.encode_images(f.d.images);
        CHECK(same_hits(vse.search_images(text, images, f.d.images, 5), vse.search_images(text, vse_images, 5), 1e-5,
                        vse.score(vse_images, vse.encode_captions({text}))));
        // Re-ranking every item = the cross-attention model's exhaustive search (the candidates are
        // encoded as a batch in the first stage's order: equal to the last bits, or a near-tie apart).
        const auto two = vse.search_images(text, images, f.d.images, 5, &cross, n_img);
        const auto cross_images = cross.encode_images(f.d.images);
        CHECK(same_hits(two, cross.search_images(text, cross_images, 5), 1e-6,
                        cross.score(cross_images, cross.encode_captions({text}))));
    }
    for (const std::int64_t i : {0, 5, 11}) {
        const Tensor feats = slice(f.d.images, 0, i, i + 1);
        const auto vse_caps = vse.encode_captions(f.d.texts);
        CHECK(same_hits(vse.search_captions(feats, captions, f.d.texts, 4), vse.search_captions(feats, vse_caps, 4), 1e-5,
                        vse.score(vse.encode_images(feats), vse_caps)));
        // (Captions encoded in a batch of other size and padding may differ in the last bits: GEMM
        // blocking follows the batch; so two captions the exhaustive search scores within 1e-6 of
        // each other, e.g. the same text, may trade places.)
        const auto two = vse.search_captions(feats, captions, f.d.texts, 4, &cross, n_cap);
        const auto all_caps = cross.encode_captions(f.d.texts);
        CHECK(same_hits(two, cross.search_captions(feats, all_caps, 4), 1e-6,
                        cross.score(cross.encode_images(feats), all_caps)));
    }
}

TEST_CASE("Two-stage search: re-ranked hits carry the cross-attention score and the index's score", "[api]") {
    TwoStageFixture f;
    const Retriever vse = Retriever::load(f.vse_file, f.vocab_file), cross = Retriever::load(f.cross_file, f.vocab_file);
    const auto index = vse.index_images(f.d.images, {});
    const std::string& text = f.d.texts[9];
    const auto first = vse.search_images(text, index, f.d.images, 4);  // the 4 candidates
    const auto two = vse.search_images(text, index, f.d.images, 3, &cross, 4);
    REQUIRE(two.size() == 3);
    const Tensor full = cross.score(cross.encode_images(f.d.images), cross.encode_captions({text}));  // (12, 1)
    const Tensor vse_full = vse.score(vse.encode_images(f.d.images), vse.encode_captions({text}));
    for (std::size_t i = 0; i < two.size(); ++i) {
        const auto& h = two[i];
        // Every hit is one of the candidates, scored by the reranker, ordered by that score.
        CHECK(std::any_of(first.begin(), first.end(), [&](const auto& c) { return c.index == h.index; }));
        CHECK(h.score == Approx(full.at(h.index)).margin(1e-6));
        CHECK(h.first_stage_score == Approx(vse_full.at(h.index)).margin(1e-5));
        if (i) CHECK(two[i - 1].score >= h.score);
    }
    // Fewer candidates than k: k is the floor.
    CHECK(vse.search_images(text, index, f.d.images, 6, &cross, 2).size() == 6);
}

TEST_CASE("Two-stage search: an index survives a save and load", "[api]") {
    TwoStageFixture f;
    const Retriever vse = Retriever::load(f.vse_file, f.vocab_file), cross = Retriever::load(f.cross_file, f.vocab_file);
    const std::string path = tmp_path("two_stage.idx");
    const auto index = vse.index_captions(f.d.texts, {}, "demo captions");
    Retriever::save_index(path, index);
    const auto back = Retriever::load_index(path);
    CHECK(back.info.side == "captions");
    CHECK(back.info.gallery_path == "demo captions");
    CHECK(back.info.model_fingerprint == vse.fingerprint());
    const Tensor feats = slice(f.d.images, 0, 3, 4);
    CHECK(same_hits(vse.search_captions(feats, index, f.d.texts, 5, &cross, 20),
                    vse.search_captions(feats, back, f.d.texts, 5, &cross, 20), 0));
}

TEST_CASE("Two-stage search: several threads on one index give the single-thread results", "[api]") {
    TwoStageFixture f;
    const Retriever vse = Retriever::load(f.vse_file, f.vocab_file), cross = Retriever::load(f.cross_file, f.vocab_file);
    for (const search::IndexKind kind : {search::IndexKind::Flat, search::IndexKind::HNSW}) {
        if (kind != search::IndexKind::Flat && !search::have_faiss()) continue;
        search::IndexOptions o;
        o.kind = kind;
        const auto images = vse.index_images(f.d.images, o);
        const auto captions = vse.index_captions(f.d.texts, o);
        const Tensor feats = slice(f.d.images, 0, 4, 5);
        const auto want_img = vse.search_images(f.d.texts[11], images, f.d.images, 4, &cross, 6);
        const auto want_cap = vse.search_captions(feats, captions, f.d.texts, 4, &cross, 9);
        std::vector<std::vector<Retriever::Hit>> got_img(4), got_cap(4);
        std::vector<std::thread> threads;
        for (std::size_t t = 0; t < got_img.size(); ++t)
            threads.emplace_back([&, t] {
                got_img[t] = vse.search_images(f.d.texts[11], images, f.d.images, 4, &cross, 6);
                got_cap[t] = vse.search_captions(feats, captions, f.d.texts, 4, &cross, 9);
            });
        for (auto& th : threads) th.join();
        for (std::size_t t = 0; t < got_img.size(); ++t) {
            CHECK(same_hits(got_img[t], want_img, 0));
            CHECK(same_hits(got_cap[t], want_cap, 0));
        }
    }
}

TEST_CASE("Two-stage search: a mismatched or stale index is refused", "[api][errors]") {
    TwoStageFixture f;
    const Retriever vse = Retriever::load(f.vse_file, f.vocab_file), cross = Retriever::load(f.cross_file, f.vocab_file);
    const Retriever other = Retriever::load(f.other_vse, f.vocab_file);
    CHECK(other.fingerprint() != vse.fingerprint());
    const auto index = vse.index_images(f.d.images, {});
    const std::string& text = f.d.texts[0];
    // Another first-stage model (say, retrained): its vectors live in another space.
    CHECK_THROWS_WITH(other.search_images(text, index, f.d.images, 3), Catch::Contains("built with the model"));
    // A cross-attention model cannot be the first stage, nor build an index.
    CHECK_THROWS_WITH(cross.search_images(text, index, f.d.images, 3), Catch::Contains("not a first-stage model"));
    CHECK_THROWS_WITH(cross.index_images(f.d.images, {}), Catch::Contains("not a dual encoder"));
    // Another gallery: fewer items, or the same count with other contents.
    CHECK_THROWS_WITH(vse.search_images(text, index, slice(f.d.images, 0, 0, 11), 3),
                      Catch::Contains("another gallery"));
    const Tensor changed = mul(f.d.images, 2.0);
    CHECK_THROWS_WITH(vse.search_images(text, index, changed, 3, &cross, 5), Catch::Contains("another gallery"));
    // The other side: an image index cannot rank captions.
    CHECK_THROWS_WITH(vse.search_captions(slice(f.d.images, 0, 0, 1), index, f.d.texts, 3),
                      Catch::Contains("holds images"));
    CHECK_THROWS_AS(vse.search_images(text, index, f.d.images, 0), Error);
}

TEST_CASE("Item vectors: VSE++'s inner products are its scores (PCME's: tests/models/test_pcme.cpp)", "[models]") {
    TwoStageFixture f;
    const Retriever vse = Retriever::load(f.vse_file, f.vocab_file);
    const auto images = vse.encode_images(f.d.images);
    const auto caps = vse.encode_captions(f.d.texts);
    const Tensor s = vse.score(images, caps);  // (12, 60) through score_pairs
    const auto index = vse.index_images(f.d.images, {});
    // The index's scores for caption 13 are the column of the score matrix.
    const auto q = vse.search_images(f.d.texts[13], index, f.d.images, 12);
    REQUIRE(q.size() == 12);
    for (const auto& h : q) CHECK(h.score == Approx(s.at(h.index * 60 + 13)).margin(1e-5));
}
