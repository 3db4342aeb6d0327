// SPDX-License-Identifier: MIT
// The model registry and the retrieval-model interface (models/registry.h, models/retrieval_model.h).
// The contract cases run for every mode of every registered family, so a new family is held to them
// without a line here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/ops.h"
#include "core/rng.h"
#include "models/registry.h"
#include "tests/testing/compare.h"
#include "tests/testing/temp.h"

using namespace imram;
using namespace imram::models;
using Catch::Contains;
using imram::testing::tmp_path;

namespace {

/// Small sizes under the official option names every family of the VSE++ lineage reads.
Options tiny(const std::string& mode) {
    return {{"model_mode", mode}, {"vocab_size", "20"}, {"word_dim", "6"}, {"img_dim", "10"},
            {"embed_size", "8"}, {"iteration_step", "2"}};
}

struct Batch {
    Tensor images, ids;
    std::vector<std::int64_t> lengths;
};

/// B images of R regions and B captions of different lengths (padded with id 0).
Batch batch(std::int64_t B, std::uint64_t seed) {
    Philox rng(seed);
    Batch b;
    std::vector<float> feats(static_cast<std::size_t>(B * 4 * 10));
    for (float& v : feats) v = static_cast<float>(rng.uniform()) - 0.3f;
    b.images = from_vector(feats, {B, 4, 10});
    const std::int64_t L = 6;
    std::vector<std::int64_t> ids(static_cast<std::size_t>(B * L), 0);
    for (std::int64_t i = 0; i < B; ++i) {
        const std::int64_t len = 3 + i % 4;
        b.lengths.push_back(len);
        for (std::int64_t t = 0; t < len; ++t) ids[i * L + t] = 1 + static_cast<std::int64_t>(rng.below(19));
    }
    b.ids = from_vector(ids, {B, L});
    return b;
}

/// The names `imram train` takes for itself: every "--name" in the source of its options (cli/train.cpp,
/// cli/common.cpp: a few more than train has, never fewer), --help, and the model settings the tool
/// fills in from the data (a family option of that name would override them).
std::set<std::string> train_own_names() {
    std::set<std::string> names{"help", "model_mode", "vocab_size", "img_dim", "agg_func"};
    const std::string root = std::string(IMRAM_TEST_DATA_DIR) + "/../../";
    static const std::regex flag("--([A-Za-z][A-Za-z0-9_-]*)");
    for (const char* file : {"cli/train.cpp", "cli/common.cpp"}) {
        std::ifstream in(root + file);
        REQUIRE(in.good());
        const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        for (std::sregex_iterator it(text.begin(), text.end(), flag), end; it != end; ++it) names.insert((*it)[1]);
    }
    return names;
}

/// Why `o` cannot be one of a family's options, which `imram train` offers as --<name> and, with '-'
/// for '_', --<dashed name> (cli/train.cpp); empty when it can.
std::string option_problem(const ModelOption& o, const std::set<std::string>& own) {
    static const std::regex valid("[a-z][a-z0-9]*(_[a-z0-9]+)*");
    if (!std::regex_match(o.name, valid))
        return "'" + o.name + "' is not an option name (lower case letters and digits, words joined by '_')";
    std::string dashed = o.name;
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    if (own.count(o.name) || own.count(dashed)) return "--" + o.name + " is one of imram train's own options";
    if (o.help.empty() || o.help.find('\n') != std::string::npos) return "--" + o.name + " needs a help line";
    return "";
}

}  // namespace

TEST_CASE("registry: modes name their family; an unknown mode lists the known ones", "[models][registry]") {
    const std::vector<std::string> modes = model_modes();
    for (const char* m : {"full_IMRAM", "text_IMRAM", "image_IMRAM", "scan_t2i", "scan_i2t", "vse"}) {
        CHECK(std::find(modes.begin(), modes.end(), m) != modes.end());
        CHECK(family_of_mode(m).name == "imram");
    }
    // mode_list: the modes in order, joined for messages and --help.
    std::string joined;
    for (const std::string& m : modes) joined += (joined.empty() ? "" : ", ") + m;
    CHECK(mode_list() == joined);
    try {
        family_of_mode("vsepp");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind == ErrorKind::Usage);
        CHECK_THAT(e.message(), Contains("'vsepp'") && Contains("(expected " + mode_list() + ")"));
    }
    Options no_mode = tiny("vse");
    no_mode.erase("model_mode");
    CHECK_THROWS_WITH(create_model(no_mode, 1), Contains("model_mode"));
}

TEST_CASE("registry: a family's own options (ModelOption) are flags imram train can add", "[models][registry]") {
    const std::set<std::string> own = train_own_names();
    // The source was read: the tool's options are there (a moved file would otherwise let anything pass).
    for (const char* name : {"model_mode", "model-mode", "embed_size", "word_dim", "margin", "lambda_softmax",
                             "num_epochs", "resume", "compare", "data_path", "device", "seed", "threads"})
        CHECK(own.count(name) == 1);
    // The contract, on options made up here (nothing is registered).
    CHECK(option_problem({"num_embeds", "embeddings per image and caption"}, own).empty());
    CHECK_THAT(option_problem({"embed_size", "joint embedding size"}, own), Contains("imram train's own"));
    CHECK_THAT(option_problem({"vocab_size", "words"}, own), Contains("imram train's own"));
    CHECK_THAT(option_problem({"num-embeds", "x"}, own), Contains("not an option name"));
    CHECK_THAT(option_problem({"Num_Embeds", "x"}, own), Contains("not an option name"));
    CHECK_THAT(option_problem({"num__embeds", "x"}, own), Contains("not an option name"));
    CHECK_THAT(option_problem({"", "x"}, own), Contains("not an option name"));
    CHECK_THAT(option_problem({"num_embeds", ""}, own), Contains("help line"));
    CHECK_THAT(option_problem({"num_embeds", "two\nlines"}, own), Contains("help line"));
    // Every option of every registered family holds to it, once per family. (Two families may share
    // one: imram train then offers it once.)
    for (const ModelFamily& fam : model_families()) {
        std::set<std::string> seen;
        for (const ModelOption& o : fam.options) {
            INFO("family " << fam.name << ", option " << o.name);
            CHECK(option_problem(o, own).empty());
            CHECK(seen.insert(o.name).second);
        }
    }
}

TEST_CASE("registry: create_model takes the options it is given and keeps the defaults of the rest", "[models][registry]") {
    const auto m = create_model(tiny("scan_i2t"), 1);
    CHECK(m->family() == "imram");
    CHECK(m->mode() == "scan_i2t");
    CHECK(m->vocab_size() == 20);
    CHECK(m->image_feature_size() == 10);
    CHECK(m->margin() == 0.2);  // the official default
    const Options meta = m->config_metadata();
    CHECK(meta.at("family") == "imram");
    CHECK(meta.at("embed_size") == "8");
    CHECK(meta.at("lambda_softmax") == "9");
    // The same seed gives the same initialisation; another seed another one.
    const auto same = create_model(tiny("scan_i2t"), 1), other = create_model(tiny("scan_i2t"), 2);
    const auto a = m->named_parameters(), b = same->named_parameters(), c = other->named_parameters();
    REQUIRE(a.size() == c.size());
    CHECK(testing::diff(*a[0].second, *b[0].second).max_abs == 0);
    CHECK(testing::diff(*a[0].second, *c[0].second).max_abs > 0);
}

TEST_CASE("registry: a model file rebuilds its family's model; a foreign family is refused", "[models][registry][errors]") {
    const auto m = create_model(tiny("text_IMRAM"), 3);
    const std::string p = tmp_path("registry_model.safetensors");
    save_model(p, *m, {{"epoch", "2"}});
    const auto back = load_model(p);
    CHECK(back->family() == "imram");
    CHECK(back->mode() == "text_IMRAM");
    const Batch b = batch(3, 5);
    NoGradGuard no_grad;
    const Tensor want = m->score_all(m->encode(b.images, b.ids, b.lengths));
    const Tensor got = back->score_all(back->encode(b.images, b.ids, b.lengths));
    CHECK(testing::diff(want, got).max_abs == 0);

    nn::TensorFile f = nn::load_safetensors(p);
    CHECK(f.metadata.at("epoch") == "2");
    f.metadata.erase("family");  // files written before the field existed are imram's
    CHECK(model_from_file(f, "old.safetensors")->mode() == "text_IMRAM");
    try {  // a model file is not an official checkpoint
        convert_official_checkpoint(p);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind == ErrorKind::Data);
        CHECK_THAT(e.message(), Contains("registry_model.safetensors") && Contains("not a torch.save checkpoint"));
    }
    f.metadata["family"] = "camp-like";
    CHECK_THROWS_WITH(model_from_file(f, "foreign.safetensors"),
                      Contains("foreign.safetensors") && Contains("'family'") && Contains("camp-like") &&
                          Contains("imram"));
}

TEST_CASE("interface contract: score_all equals score_pairs, and train_step moves every encoder", "[models][registry]") {
    for (const std::string& mode : model_modes()) {
        DYNAMIC_SECTION(mode) {
            const auto m = create_model(tiny(mode), 7, DType::F64);
            const Batch b = batch(4, 11);
            const Tensor images = b.images.to(DType::F64);
            {
                NoGradGuard no_grad;
                const Encoded e = m->encode(images, b.ids, b.lengths);
                REQUIRE(e.images.size(0) == 4);
                REQUIRE(e.captions.size(0) == 4);
                const Tensor all = m->score_all(e);
                REQUIRE((all.shape() == Shape{4, 4}));
                std::vector<std::int64_t> ii, cc;
                for (std::int64_t i = 0; i < 4; ++i)
                    for (std::int64_t j = 0; j < 4; ++j) ii.push_back(i), cc.push_back(j);
                const Tensor pairs = reshape(m->score_pairs(e, ii, cc), {4, 4});
                CHECK(testing::diff(all, pairs).max_abs < 1e-12);
                // Scores of one caption do not depend on the other captions of the set (padding included).
                const Encoded one{e.images, slice(e.captions, 0, 0, 1), {e.lengths[0]}};
                CHECK(testing::diff(m->score_all(one), slice(all, 1, 0, 1)).max_abs < 1e-12);
            }
            m->zero_grad();
            StepOptions so;
            so.max_violation = false;  // summed hinges: every encoder gets gradient from a random start
            so.chunk_pairs = 3;
            const StepResult r = m->train_step(images, b.ids, b.lengths, so);
            CHECK(std::isfinite(r.loss));
            CHECK(r.loss > 0);
            REQUIRE((r.scores.shape() == Shape{4, 4}));
            // Gradient reaches the parameters; in the imram family both encoders.
            bool any = false, image_side = false, text_side = false;
            for (const auto& [name, p] : m->named_parameters()) {
                if (!p->grad().defined()) continue;
                const bool moved = testing::diff(p->grad(), zeros_like(p->grad())).max_abs > 0;
                any |= moved;
                if (name.rfind("img_enc.", 0) == 0) image_side |= moved;
                if (name.rfind("txt_enc.", 0) == 0) text_side |= moved;
            }
            CHECK(any);
            if (m->family() == "imram") {
                CHECK(image_side);
                CHECK(text_side);
            }
        }
    }
}
