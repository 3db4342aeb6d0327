// SPDX-License-Identifier: MIT
// --train_only and --freeze: the optimizer steps only the parameters the first names and the second
// does not; the others stay as they were, bit for bit, and a prefix that names nothing is refused.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "base/check.h"
#include "data/demo_data.h"
#include "models/registry.h"
#include "tests/testing/compare.h"
#include "tests/testing/temp.h"
#include "train/trainer.h"

using namespace imram;

namespace {
struct Setup {
    data::Dataset tr, dev;
    std::unique_ptr<models::RetrievalModel> model;
    train::TrainerOptions opt;
    explicit Setup(const std::string& optimizer) {
        data::DemoOptions o;
        o.train_images = 8, o.dev_images = 4, o.test_images = 4, o.regions = 4, o.features = 16;
        tr = data::demo_split("train", o), dev = data::demo_split("dev", o);
        model = models::create_model({{"model_mode", "camp"},
                                      {"vocab_size", std::to_string(data::demo_words().size())},
                                      {"img_dim", "16"},
                                      {"embed_size", "8"},
                                      {"word_dim", "4"}},
                                     3);
        opt.num_epochs = 1, opt.batch_size = 8, opt.learning_rate = 1e-2, opt.log_every = 0, opt.seed = 3;
        opt.max_steps = 2, opt.optimizer = optimizer, opt.nesterov = optimizer == "sgd";
        opt.run_dir = testing::tmp_path("train_only_" + optimizer);
        opt.overwrite = true;
    }
};
}  // namespace

TEST_CASE("--train_only: only the named parameters move", "[train]") {
    for (const char* optimizer : {"adam", "sgd"}) {
        DYNAMIC_SECTION(optimizer) {
            Setup s(optimizer);
            s.opt.train_only = "sim.fc_1,sim.fc_2,sim.fc_out,sim.final_reduce";  // CAMP's stage 2
            std::vector<std::pair<std::string, Tensor>> before;
            for (const auto& [name, p] : s.model->named_parameters()) before.emplace_back(name, p->clone());
            train::train(*s.model, s.tr, s.dev, s.opt);
            const auto after = s.model->named_parameters();
            std::int64_t moved = 0;
            for (std::size_t i = 0; i < after.size(); ++i) {
                const bool head = after[i].first.rfind("sim.fc_", 0) == 0 || after[i].first.rfind("sim.final_reduce", 0) == 0;
                const double change = testing::diff(*after[i].second, before[i].second).max_abs;
                INFO(after[i].first << " changed by " << change);
                if (head) moved += change > 0;
                else CHECK(change == 0.0);
            }
            CHECK(moved >= 8);  // the head's weights and biases all train
        }
    }
}

TEST_CASE("--train_only: a prefix that names no parameter is refused", "[train][errors]") {
    Setup s("adam");
    s.opt.train_only = "sim.fc_1,sim.no_such_layer";
    CHECK_THROWS_WITH(train::train(*s.model, s.tr, s.dev, s.opt), Catch::Contains("'sim.no_such_layer' names no parameter"));
}

namespace {
// The names of the parameters a short run changes.
std::set<std::string> moved_by(Setup& s) {
    std::vector<std::pair<std::string, Tensor>> before;
    for (const auto& [name, p] : s.model->named_parameters()) before.emplace_back(name, p->clone());
    train::train(*s.model, s.tr, s.dev, s.opt);
    std::set<std::string> out;
    const auto after = s.model->named_parameters();
    for (std::size_t i = 0; i < after.size(); ++i)
        if (testing::diff(*after[i].second, before[i].second).max_abs > 0) out.insert(after[i].first);
    return out;
}
}  // namespace

TEST_CASE("--freeze: the named parameters stay, the others move, also beside --train_only", "[train]") {
    for (const char* optimizer : {"adam", "sgd"}) {
        DYNAMIC_SECTION(optimizer) {
            // The same run without --freeze says which parameters move at all (a few of CAMP's get an
            // exactly zero gradient: biases before a softmax); with it, exactly those less the frozen.
            const std::string only = std::string(optimizer) == "sgd" ? "txt_enc,sim" : "";
            Setup control(optimizer);
            control.opt.train_only = only;
            const std::set<std::string> free_run = moved_by(control);
            Setup s(optimizer);
            s.opt.train_only = only;
            s.opt.freeze = "txt_enc.embed,sim.fc_out";
            s.opt.run_dir += "_freeze";
            std::set<std::string> want;
            for (const std::string& name : free_run)
                if (name.rfind("txt_enc.embed", 0) != 0 && name.rfind("sim.fc_out", 0) != 0) want.insert(name);
            CHECK(free_run.count("txt_enc.embed.weight") == 1);
            CHECK(want.size() >= 10);
            CHECK(moved_by(s) == want);
        }
    }
}

TEST_CASE("--freeze: a prefix that names nothing, or freezing everything, is refused", "[train][errors]") {
    Setup s("adam");
    s.opt.freeze = "txt_enc.no_such";
    CHECK_THROWS_WITH(train::train(*s.model, s.tr, s.dev, s.opt), Catch::Contains("--freeze: 'txt_enc.no_such' names no parameter"));
    s.opt.freeze = "img_enc,txt_enc,sim";
    CHECK_THROWS_WITH(train::train(*s.model, s.tr, s.dev, s.opt), Catch::Contains("leaves no parameter to train"));
}

TEST_CASE("--freeze, --train_only: no gradient is computed for what a run holds fixed, and it requires "
          "gradients again afterwards", "[train]") {
    // txt_enc.embed: one tensor inside an encoder; all that CAMP's encoded images pass through, so the
    // image side has no tape to follow; --train_only sim: through the other flag.
    struct Case {
        std::vector<std::string> freeze;
        std::string only;
    };
    for (const Case& c : {Case{{"txt_enc.embed"}, ""}, Case{{"img_enc", "sim.img_query_fc", "sim.img_key_fc"}, ""},
                          Case{{}, "sim"}}) {
        std::string freeze;
        for (const std::string& f : c.freeze) freeze += (freeze.empty() ? "" : ",") + f;
        DYNAMIC_SECTION("freeze '" << freeze << "', train_only '" << c.only << "'") {
            Setup s("adam");
            s.opt.freeze = freeze, s.opt.train_only = c.only;
            s.opt.run_dir += "_held_fixed";
            train::train(*s.model, s.tr, s.dev, s.opt);
            std::int64_t with_grad = 0, held = 0;
            for (const auto& [name, p] : s.model->named_parameters()) {
                INFO(name);
                CHECK(p->requires_grad());
                const bool fixed = c.only.empty() ? std::any_of(c.freeze.begin(), c.freeze.end(),
                                                                [&](const std::string& f) { return name.rfind(f, 0) == 0; })
                                                  : name.rfind(c.only, 0) != 0;
                if (fixed) {
                    ++held;
                    CHECK_FALSE(p->grad().defined());  // the last step's gradients are still there
                } else {
                    with_grad += p->grad().defined();
                }
            }
            CHECK(held >= 1);
            CHECK(with_grad >= 8);
        }
    }
}
