// SPDX-License-Identifier: MIT
// PCME through the layers above the model: evaluation with both of its scores, the uncertainty files of
// `encode`, and uncertainty in the embedding API's search results.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "api/retriever.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "data/demo_data.h"
#include "data/vocab.h"
#include "eval/encode.h"
#include "eval/evaluate.h"
#include "io/npy.h"
#include "models/pcme/model.h"
#include "models/registry.h"
#include "tests/testing/compare.h"
#include "tests/testing/temp.h"

using namespace imram;
using namespace imram::models;

namespace {
data::Dataset small_split() {
    data::DemoOptions o;
    o.test_images = 6, o.regions = 5, o.features = 12;
    return data::demo_split("test", o);
}
PcmeModel small_model(const data::Dataset& d) {
    PcmeConfig c;
    c.vocab_size = d.vocab_size, c.img_dim = 12, c.word_dim = 6, c.embed_size = 8, c.n_samples_inference = 3;
    c.init_negative_scale = 2, c.init_shift = 2;
    return PcmeModel(c, 7);
}
}  // namespace

TEST_CASE("PCME eval: recall with the match probability and with the matmul score, from one encoding", "[models]") {
    const data::Dataset d = small_split();
    const PcmeModel m = small_model(d);
    Tensor sims;
    std::vector<eval::AlternativeMetrics> alt;
    const eval::RetrievalMetrics main = eval::evaluate(m, d, &sims, {}, &alt);
    REQUIRE(alt.size() == 1);
    CHECK(alt[0].name == "matmul");
    CHECK(m.score_name() == "matching_prob");
    const autograd::NoGradGuard no_grad;
    const Encoded e = eval::encode_split(m, d);
    CHECK(testing::diff(sims, m.score_all(e)).max_abs < 1e-6);
    CHECK(testing::diff(alt[0].scores, m.score_all_matmul(e)).max_abs < 1e-5);
    CHECK(alt[0].metrics.rsum() == eval::retrieval_metrics(alt[0].scores, d.im_div).rsum());
    CHECK(main.rsum() == eval::retrieval_metrics(sims, d.im_div).rsum());
    // The two scores are different functions: the matrices differ (their rankings may agree).
    CHECK(testing::diff(alt[0].scores, sims).max_abs > 1e-3);
    CHECK_THROWS_WITH(m.score_all_alternative(e, "elk"), Catch::Contains("no alternative score 'elk'"));
}

TEST_CASE("PCME encode: writes each item's mean sigma beside the embeddings", "[models]") {
    const data::Dataset d = small_split();
    const PcmeModel m = small_model(d);
    const std::string dir = testing::tmp_path("pcme_encode_out");
    std::filesystem::remove_all(dir);
    const eval::EncodeSummary s = eval::write_embeddings(m, d, dir, 4);
    CHECK(s.uncertainty);
    const Tensor ui = io::load_npy(dir + "/img_uncertainty.npy"), uc = io::load_npy(dir + "/cap_uncertainty.npy");
    CHECK(ui.shape() == Shape{6});
    CHECK(uc.shape() == Shape{30});
    // Image i's value is the mean over dimensions of exp(logsig), the second row of its encoding.
    const Tensor img = io::load_npy(dir + "/img_emb.npy");
    const Tensor logsig = squeeze(slice(img, 1, 1, 2), 1);
    CHECK(testing::diff(ui, mean(exp(logsig), {1})).max_abs < 1e-6);
    for (double u : uc.to_vector<double>()) CHECK((std::isfinite(u) && u > 0));
}

TEST_CASE("PCME in the embedding API: hits and queries carry their uncertainty", "[api]") {
    const data::Dataset d = small_split();
    PcmeModel m = small_model(d);
    const std::string model_file = testing::tmp_path("pcme_api.safetensors"), vocab_file = testing::tmp_path("pcme_api_vocab.json");
    save_model(model_file, m);
    data::Vocab v;
    for (const auto& w : data::demo_words()) v.add(w);
    data::save_vocab(vocab_file, v);
    const Retriever r = Retriever::load(model_file, vocab_file);
    REQUIRE(r.has_uncertainty());
    const Retriever::Images gallery = r.encode_images(d.images);
    const std::vector<double> ug = r.uncertainty(gallery).to_vector<double>();
    const std::vector<Retriever::Hit> hits = r.search_images(d.texts[0], gallery, 3);
    REQUIRE(hits.size() == 3);
    for (const auto& h : hits) CHECK(h.uncertainty == ug[static_cast<std::size_t>(h.index)]);
    const double q = r.query_uncertainty(d.texts[0]);
    CHECK(q == r.uncertainty(r.encode_captions({d.texts[0]})).to_vector<double>()[0]);
    CHECK((std::isfinite(q) && q > 0));
    const double qi = r.image_uncertainty(contiguous(squeeze(slice(d.images, 0, 2, 3), 0)));
    CHECK(std::fabs(qi - ug[2]) < 1e-6);
}
