// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cmath>
#include <thread>

#include "api/retriever.h"
#include "core/ops.h"
#include "models/imram/checkpoint.h"
#include "models/registry.h"
#include "tests/testing/compare.h"
#include "tests/testing/temp.h"
#include "data/vocab.h"
#include "data/demo_data.h"

using namespace imram;
using imram::testing::tmp_path;

namespace {
struct Fixture {
    std::string model_file = tmp_path("api_model.safetensors"), vocab_file = tmp_path("api_vocab.json");
    data::Dataset d;
    Fixture() {
        data::DemoOptions o;
        o.test_images = 6;
        o.features = 48;
        d = data::demo_split("test", o);
        models::ModelConfig c;
        c.mode = models::Mode::FullIMRAM, c.vocab_size = d.vocab_size, c.word_dim = 8, c.img_dim = 48, c.embed_size = 16;
        c.iteration_step = 3;
        models::ImramModel m(c, 5);
        models::save_model(model_file, m);
        data::Vocab v;
        for (const auto& w : data::demo_words()) v.add(w);
        data::save_vocab(vocab_file, v);
    }
};
}  // namespace

TEST_CASE("Retriever: encode, score and search agree with each other", "[api]") {
    Fixture f;
    const Retriever r = Retriever::load(f.model_file, f.vocab_file);
    CHECK(r.mode() == "full_IMRAM");
    const auto images = r.encode_images(f.d.images);
    const auto caps = r.encode_captions(f.d.texts);
    const Tensor s = r.score(images, caps);
    REQUIRE(s.shape() == Shape{6, 30});
    const auto hits = r.search_images(f.d.texts[7], images, 3);
    REQUIRE(hits.size() == 3);
    CHECK(hits[0].score >= hits[1].score);
    CHECK(hits[1].score >= hits[2].score);
    CHECK(hits[0].score == Approx(max(slice(s, 1, 7, 8), 0).values.item<double>()).epsilon(1e-5));
    const auto cap_hits = r.search_captions(contiguous(squeeze(slice(f.d.images, 0, 2, 3), 0)), caps, 4);
    REQUIRE(cap_hits.size() == 4);
    CHECK(cap_hits[0].score == Approx(max(slice(s, 0, 2, 3), 1).values.item<double>()).epsilon(1e-5));
    CHECK(r.search_images("a red dog", images, 100).size() == 6);
    // A query encoded beforehand gives the same hits as its text or features.
    const auto pre = r.search_images(r.encode_captions({f.d.texts[7]}), images, 3);
    const auto pre_cap = r.search_captions(r.encode_images(slice(f.d.images, 0, 2, 3)), caps, 4);
    for (std::size_t i = 0; i < 3; ++i) CHECK((pre[i].index == hits[i].index && pre[i].score == hits[i].score));
    for (std::size_t i = 0; i < 4; ++i)
        CHECK((pre_cap[i].index == cap_hits[i].index && pre_cap[i].score == cap_hits[i].score));
    // IMRAM estimates no uncertainty: none is reported.
    CHECK_FALSE(r.has_uncertainty());
    CHECK(std::isnan(hits[0].uncertainty));
    CHECK(std::isnan(r.query_uncertainty("a red dog")));
    CHECK_FALSE(r.uncertainty(images).defined());
}

TEST_CASE("Retriever: several threads at once give the single-thread results", "[api]") {
    Fixture f;
    const Retriever r = Retriever::load(f.model_file, f.vocab_file);
    const auto images = r.encode_images(f.d.images);
    const auto caps = r.encode_captions(f.d.texts);
    const Tensor want = r.score(images, caps);
    const auto want_hits = r.search_images(f.d.texts[3], images, 5);
    std::vector<Tensor> got(4);
    std::vector<std::vector<Retriever::Hit>> got_hits(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            got[t] = r.score(r.encode_images(f.d.images), r.encode_captions(f.d.texts));
            got_hits[t] = r.search_images(f.d.texts[3], images, 5);
        });
    for (auto& th : threads) th.join();
    for (int t = 0; t < 4; ++t) {
        CHECK(testing::diff(got[t], want).max_abs == 0);
        REQUIRE(got_hits[t].size() == want_hits.size());
        for (std::size_t i = 0; i < want_hits.size(); ++i) {
            CHECK(got_hits[t][i].index == want_hits[i].index);
            CHECK(got_hits[t][i].score == want_hits[i].score);
        }
    }
}

TEST_CASE("Retriever: bad inputs are reported", "[api][errors]") {
    Fixture f;
    const Retriever r = Retriever::load(f.model_file, f.vocab_file);
    CHECK_THROWS_WITH(r.encode_images(zeros({2, 36, 10})), Catch::Contains("encode_images") && Catch::Contains("48"));
    CHECK_THROWS_WITH(r.encode_captions({}), Catch::Contains("no captions"));
    // An encoded query is one item.
    CHECK_THROWS_WITH(r.search_images(r.encode_captions({"a dog", "a cat"}), r.encode_images(f.d.images), 2),
                      Catch::Contains("expected one encoded caption, got 2"));
    CHECK_THROWS_WITH(r.search_captions(r.encode_images(f.d.images), r.encode_captions({"a dog"}), 1),
                      Catch::Contains("expected one encoded image, got 6"));
    data::Vocab small;
    for (const char* w : {"<pad>", "<start>", "<end>", "<unk>", "dog"}) small.add(w);
    const std::string other = tmp_path("api_small_vocab.json");
    data::save_vocab(other, small);
    CHECK_THROWS_WITH(Retriever::load(f.model_file, other), Catch::Contains("api_small_vocab.json") && Catch::Contains("5 words"));
    CHECK_THROWS_WITH(Retriever::load(tmp_path("none.safetensors"), f.vocab_file), Catch::Contains("none.safetensors"));
}

TEST_CASE("Retriever: the device is chosen at run time; cuda_emulated gives the cpu results", "[api]") {
    Fixture f;
    const Retriever on_cpu = Retriever::load(f.model_file, f.vocab_file);
    const Retriever on_emu = Retriever::load(f.model_file, f.vocab_file, Device::cuda_emulated());
    const std::vector<std::string> texts(f.d.texts.begin(), f.d.texts.begin() + 7);
    const Tensor sc = on_cpu.score(on_cpu.encode_images(f.d.images), on_cpu.encode_captions(texts));
    const Tensor se = on_emu.score(on_emu.encode_images(f.d.images), on_emu.encode_captions(texts));
    CHECK(se.device() == Device::cuda_emulated());
    CHECK(testing::diff(se, sc).max_abs <= 1e-5);
    const auto hc = on_cpu.search_images(texts[3], on_cpu.encode_images(f.d.images), 3);
    const auto he = on_emu.search_images(texts[3], on_emu.encode_images(f.d.images), 3);
    REQUIRE(hc.size() == he.size());
    for (std::size_t i = 0; i < hc.size(); ++i) CHECK(he[i].index == hc[i].index);
}
