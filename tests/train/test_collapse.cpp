// SPDX-License-Identifier: MIT
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/camp/model.h"
#include "models/hardest_negative_bce.h"
#include "models/imram/model.h"
#include "models/triplet_loss.h"
#include "core/ops.h"
#include "tests/testing/capture_stderr.h"
#include "tests/testing/temp.h"
#include "train/collapse.h"
#include "data/demo_data.h"
#include "train/trainer.h"

using namespace imram;

namespace {

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
    std::vector<nlohmann::json> out;
    std::ifstream in(path);
    std::string l;
    while (std::getline(in, l)) out.push_back(nlohmann::json::parse(l));
    return out;
}

}  // namespace

TEST_CASE("collapse: the spread of a batch's scores, its pinned loss and the collapsed verdict", "[train]") {
    const Tensor flat = full({4, 4}, 0.37);
    const train::ScoreSpread c = train::score_spread(flat, 1.6, models::triplet_plateau(0.2, 4, true));
    CHECK(c.spread == Approx(0.0).margin(1e-12));
    CHECK(c.pinned_loss == Approx(2 * 0.2 * 4));
    CHECK(c.collapsed);
    CHECK(train::score_spread(flat, 4.8, models::triplet_plateau(0.2, 4, false)).pinned_loss == Approx(2 * 0.2 * 4 * 3));
    CHECK(train::score_spread(flat, 4.8, models::triplet_plateau(0.2, 4, false)).collapsed);
    // Equal scores with a loss far from the pinned value: not the plateau (e.g. a warm-up step).
    CHECK_FALSE(train::score_spread(flat, 1.6 * 1.06, models::triplet_plateau(0.2, 4, true)).collapsed);
    CHECK(train::score_spread(flat, 1.6 * 1.04, models::triplet_plateau(0.2, 4, true)).collapsed);

    // One score off by 0.4 in 16: population std = 0.4 * sqrt(15) / 16.
    std::vector<float> v(16, 0.5f);
    v[5] = 0.9f;
    const train::ScoreSpread d = train::score_spread(from_vector(v, {4, 4}), 1.6, models::triplet_plateau(0.2, 4, true));
    CHECK(d.spread == Approx(0.4 * std::sqrt(15.0) / 16).epsilon(1e-5));
    CHECK_FALSE(d.collapsed);
    // Just under and just over the threshold (kCollapseSpread x margin).
    std::vector<double> w(4, 1.0);
    w[0] = 1.0 + 2 * 0.9 * models::kTripletCollapseSpread * 0.2 * 2 / std::sqrt(3.0);  // std = 0.9 x threshold
    CHECK(train::score_spread(from_vector(w, {2, 2}), 0.8, models::triplet_plateau(0.2, 2, true)).collapsed);
    w[0] = 1.0 + 2 * 1.1 * models::kTripletCollapseSpread * 0.2 * 2 / std::sqrt(3.0);
    CHECK_FALSE(train::score_spread(from_vector(w, {2, 2}), 0.8, models::triplet_plateau(0.2, 2, true)).collapsed);
    CHECK_THROWS_WITH(train::score_spread(zeros({2, 3}), 0.0, models::triplet_plateau(0.2, 2, true)), Catch::Contains("square"));
}

TEST_CASE("collapse: CAMP's BCE is pinned at 4 B ln 2, its summed branch not watched", "[train]") {
    const models::LossPlateau p = models::bce_plateau(8, true);
    CHECK(p.pinned_loss == Approx(32 * std::log(2.0)));
    const Tensor half = full({8, 8}, 0.5);
    CHECK(train::score_spread(half, 32 * std::log(2.0), p).collapsed);
    CHECK_FALSE(train::score_spread(half, 0.9 * 32 * std::log(2.0), p).collapsed);
    // Half the scores 2 x f x threshold above the others: a spread of f x the threshold.
    for (const double f : {0.9, 1.1}) {
        std::vector<double> spread(64, 0.5);
        for (int k = 0; k < 64; k += 2) spread[static_cast<std::size_t>(k)] = 0.5 + 2 * f * models::kBceCollapseSpread;
        CHECK(train::score_spread(from_vector(spread, {8, 8}), 32 * std::log(2.0), p).collapsed == (f < 1));
    }
    CHECK(models::bce_plateau(8, false).pinned_loss == 0);
    CHECK_FALSE(train::score_spread(half, 1.36, models::bce_plateau(8, false)).collapsed);
}

TEST_CASE("collapse: each positive level with its hardest negative is the plateau, however spread the rest", "[train]") {
    // The signature of a hardest-negative loss stuck on its plateau while the other pairs stay apart (CAMP's
    // gated model on Tux Paint: whole-batch spread 0.16-0.18, loss at 4 B ln 2): row i's positive and
    // its hardest negative (i, i + 1) both at 1/2, and (i - 1, i) is column i's hardest negative too.
    const std::int64_t B = 8;
    auto batch = [&](double lift) {
        std::vector<double> s(static_cast<std::size_t>(B * B));
        for (std::int64_t i = 0; i < B; ++i)
            for (std::int64_t j = 0; j < B; ++j)
                s[static_cast<std::size_t>(i * B + j)] = i == j             ? 0.5 + lift
                                                        : j == (i + 1) % B ? 0.5
                                                                           : 0.1 + 0.3 * static_cast<double>((3 * i + 5 * j) % 8) / 8;
        return from_vector(s, {B, B});
    };
    const models::LossPlateau p = models::bce_plateau(B, true);
    const double pinned = 4 * B * std::log(2.0);
    const train::ScoreSpread level = train::score_spread(batch(0), pinned, p);
    CHECK(level.spread > p.max_spread);  // the whole matrix's spread alone would miss it
    CHECK(level.hardest_gap == Approx(0.0).margin(1e-12));
    CHECK(level.collapsed);
    // Every positive lifted by f x the threshold above its hardest negatives: a mean gap of f x threshold.
    for (const double f : {0.9, 1.1}) {
        const train::ScoreSpread lifted = train::score_spread(batch(f * models::kBceCollapseGap), pinned, p);
        CHECK(lifted.hardest_gap == Approx(f * models::kBceCollapseGap).epsilon(1e-9));
        CHECK(lifted.collapsed == (f < 1));
    }
    // Level positives but a loss far from the plateau: not collapsed.
    CHECK_FALSE(train::score_spread(batch(0), 0.8 * pinned, p).collapsed);
    // A positive below its hardest negative counts by its distance too (|gap|): (0.5 - 0.2) vs 0.5 is no plateau.
    CHECK(train::score_spread(batch(-0.2), pinned, p).hardest_gap == Approx(0.2).epsilon(1e-9));
    // The triplet loss has the same signature, its threshold a fraction of the margin.
    const models::LossPlateau t = models::triplet_plateau(0.2, B, true);
    CHECK(t.max_gap == Approx(models::kTripletCollapseGap * 0.2));
    CHECK(train::score_spread(batch(0), 2 * 0.2 * B, t).collapsed);
    CHECK_FALSE(train::score_spread(batch(2 * t.max_gap), 2 * 0.2 * B, t).collapsed);
    const auto j = nlohmann::json::parse([&] {
        train::CollapseMonitor m;
        m.add(batch(0.25), pinned, p);
        return m.end_epoch().to_json();
    }());
    CHECK(j["hardest_gap"].get<double>() == Approx(0.25).epsilon(1e-6));
}

TEST_CASE("collapse: an epoch is collapsed when half of its steps are, with a warning that says what to try", "[train]") {
    train::CollapseMonitor m;
    const models::LossPlateau p3 = models::triplet_plateau(0.2, 3, true);
    std::vector<float> healthy(9);
    for (int k = 0; k < 9; ++k) healthy[k] = 0.1f * static_cast<float>(k);
    m.add(full({3, 3}, 0.5), 1.2, p3);
    m.add(from_vector(healthy, {3, 3}), 0.4, p3);
    m.add(full({3, 3}, -0.1), 1.2, p3);
    const train::CollapseReport r = m.end_epoch();
    CHECK(r.steps == 3);
    CHECK(r.collapsed_steps == 2);
    CHECK(r.collapsed);
    CHECK(r.mean_loss == Approx((1.2 + 0.4 + 1.2) / 3));
    CHECK(r.pinned_loss == Approx(1.2));
    CHECK(r.min_spread == Approx(0.0).margin(1e-12));
    const std::string w = r.warning(4);
    CHECK_THAT(w, Catch::Contains("collapsed in epoch 4") && Catch::Contains("--warmup_epochs 1") &&
                      Catch::Contains("pinned at 2 x margin x batch = 1.2"));
    const auto j = nlohmann::json::parse(r.to_json());
    CHECK(j["collapsed"] == true);
    CHECK(j["collapsed_steps"] == 2);

    // The next epoch starts afresh: one healthy step is not a collapse, and says nothing.
    m.add(from_vector(healthy, {3, 3}), 0.4, p3);
    const train::CollapseReport h = m.end_epoch();
    CHECK(h.steps == 1);
    CHECK_FALSE(h.collapsed);
    CHECK(h.warning(5).empty());
    CHECK(nlohmann::json::parse(h.to_json())["collapsed"] == false);
}

TEST_CASE("collapse: a model driven into the collapsed state is reported on stderr and in metrics.jsonl", "[train]") {
    data::DemoOptions o;
    o.train_images = 8, o.dev_images = 4, o.test_images = 4, o.regions = 4, o.features = 16;
    const data::Dataset tr = data::demo_split("train", o), dev = data::demo_split("dev", o);
    models::ModelConfig c;
    c.mode = models::Mode::ScanT2I;
    c.vocab_size = static_cast<std::int64_t>(data::demo_words().size());
    c.img_dim = 16, c.embed_size = 8, c.word_dim = 4, c.iteration_step = 1;

    train::TrainerOptions t;
    t.num_epochs = 2, t.batch_size = 8, t.learning_rate = 1e-3, t.log_every = 0, t.seed = 3;

    SECTION("the image encoder maps every region to zero: every score of every batch is equal") {
        models::ImramModel model(c, 5);
        // The collapsed state itself: zero image embeddings make every (image, caption) score the same;
        // a zero learning rate keeps the model there for the whole run.
        for (Tensor* p : {&model.img_enc.fc_local.weight, &model.img_enc.fc_local.bias}) {
            float* d = p->data<float>();
            for (std::int64_t k = 0; k < p->numel(); ++k) d[k] = 0.0f;
        }
        t.learning_rate = 0.0;
        t.run_dir = testing::tmp_path("collapse_run");
        std::filesystem::remove_all(t.run_dir);
        train::TrainSummary s;
        const std::string err = testing::capture_stderr([&] { s = train::train(model, tr, dev, t); });
        CHECK(s.collapsed_epochs == 2);
        CHECK(s.last_epoch_collapsed);
        CHECK_THAT(err, Catch::Contains("training has collapsed in epoch 1") &&
                            Catch::Contains("training has collapsed in epoch 2") && Catch::Contains("--warmup_epochs"));
        const auto lines = read_jsonl(t.run_dir + "/metrics.jsonl");
        REQUIRE(lines.size() == 2);
        for (const auto& l : lines) {
            CHECK(l["collapse"]["collapsed"] == true);
            CHECK(l["collapse"]["collapsed_steps"] == l["collapse"]["steps"]);
            CHECK(l["collapse"]["score_spread"].get<double>() < 1e-6);
            CHECK(l["train_loss"].get<double>() == Approx(2 * c.margin * t.batch_size));
        }
    }
    SECTION("CAMP with a zero scoring head: every probability 1/2, the BCE at 4 B ln 2") {
        models::CampConfig cc;
        cc.vocab_size = c.vocab_size, cc.img_dim = 16, cc.embed_size = 8, cc.word_dim = 4;
        models::CampModel model(cc, 5);
        for (Tensor* p : {&model.sim.fc_out3.weight, &model.sim.fc_out3.bias}) p->zero_();
        t.learning_rate = 0.0;
        t.run_dir = testing::tmp_path("collapse_run_camp");
        std::filesystem::remove_all(t.run_dir);
        train::TrainSummary s;
        const std::string err = testing::capture_stderr([&] { s = train::train(model, tr, dev, t); });
        CHECK(s.collapsed_epochs == 2);
        CHECK_THAT(err, Catch::Contains("training has collapsed in epoch 1") && Catch::Contains("pinned at 4 x batch x ln 2"));
        const auto lines = read_jsonl(t.run_dir + "/metrics.jsonl");
        REQUIRE(lines.size() == 2);
        CHECK(lines[0]["train_loss"].get<double>() == Approx(4 * t.batch_size * std::log(2.0)));
        CHECK(lines[0]["collapse"]["collapsed"] == true);
    }
    SECTION("the same model from its random initialisation is not reported") {
        models::ImramModel model(c, 5);
        t.run_dir = testing::tmp_path("collapse_run_healthy");
        std::filesystem::remove_all(t.run_dir);
        train::TrainSummary s;
        const std::string err = testing::capture_stderr([&] { s = train::train(model, tr, dev, t); });
        CHECK(s.collapsed_epochs == 0);
        CHECK_THAT(err, !Catch::Contains("collapsed"));
        const auto lines = read_jsonl(t.run_dir + "/metrics.jsonl");
        REQUIRE(lines.size() == 2);
        CHECK(lines[0]["collapse"]["collapsed"] == false);
        CHECK(lines[0]["collapse"]["score_spread"].get<double>() > 1e-3);
    }
}
