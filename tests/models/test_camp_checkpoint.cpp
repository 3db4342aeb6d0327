// SPDX-License-Identifier: MIT
// Official CAMP checkpoints (tests/fixtures/pth/camp_*, made by tools/make_camp_checkpoint.py with
// PyTorch from tools/camp_reference.py): the gated model (zip layout) and a stage-1 CrossAttentionNew
// model (legacy layout) convert and load through the registry, score as PyTorch does, and wrong
// layouts are refused naming the file and the key.
#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "api/retriever.h"
#include "core/autograd.h"
#include "models/camp/model.h"
#include "models/camp/official_checkpoint.h"
#include "models/registry.h"
#include "nn/safetensors.h"
#include "tests/testing/compare.h"
#include "tests/testing/files.h"

using namespace imram;
using namespace imram::models;
using Catch::Matchers::Contains;

namespace {

std::string fixture(const std::string& name) { return std::string(IMRAM_TEST_DATA_DIR) + "/pth/" + name; }

nn::TensorFile oracle() { return nn::load_safetensors(fixture("camp_official_scores.safetensors")); }

/// The score matrix S[image, caption] of the model on the oracle's test inputs.
Tensor scores_of(const RetrievalModel& m, const nn::TensorFile& o, DType dt) {
    NoGradGuard no_grad;
    const Tensor images = o.find("input.images")->to(dt);
    const std::vector<std::int64_t> lengths = o.find("input.lengths")->to_vector<std::int64_t>();
    return m.score_all(m.encode(images, *o.find("input.captions"), lengths));
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.message();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("CAMP checkpoint: both official files convert and load through the registry", "[models]") {
    const nn::TensorFile gated = convert_official_checkpoint(fixture("camp_official.pth.tar"));
    CHECK(gated.metadata.at("family") == "camp");
    CHECK(gated.metadata.at("model_mode") == "camp");
    CHECK(gated.metadata.at("vocab_size") == "20");
    CHECK(gated.metadata.at("word_dim") == "6");
    CHECK(gated.metadata.at("img_dim") == "10");
    CHECK(gated.metadata.at("embed_size") == "8");
    CHECK(gated.metadata.at("converted_format") == "CAMP checkpoint, zip layout");
    CHECK(gated.metadata.at("checkpoint.epoch") == "151");
    CHECK(gated.metadata.at("checkpoint.best_rsum") == "512.375");
    CHECK(gated.metadata.at("checkpoint.Eiters") == "34050");
    CHECK(gated.metadata.at("opt.measure") == "gate_fusion_new");
    CHECK(gated.metadata.at("opt.optimizer.momentum") == "0.9");  // the EasyDict's nested block
    CHECK(gated.metadata.count("converted_fusion_head") == 0);
    for (const auto& [name, t] : gated.tensors) CHECK(name.rfind("module.", 0) == std::string::npos);

    const auto m = load_model(fixture("camp_official.pth.tar"));
    CHECK(m->family() == "camp");
    CHECK(m->mode() == "camp");
    // Every parameter of the model came from the file.
    CampModel probe(CampConfig::from_options(gated.metadata, "probe"), 0);
    CHECK(gated.tensors.size() == probe.named_parameters().size());

    const nn::TensorFile stage1 = convert_official_checkpoint(fixture("camp_xattn_legacy.pth.tar"));
    CHECK(stage1.metadata.at("model_mode") == "camp_xattn");
    CHECK(stage1.metadata.at("converted_format") == "CAMP checkpoint, legacy layout");
    CHECK(stage1.metadata.at("opt.measure") == "cross_attention_new");
    CHECK(stage1.metadata.at("checkpoint.epoch") == "111");
    CHECK_THAT(stage1.metadata.at("converted_fusion_head"), Contains("fresh"));
    const auto x = load_model(fixture("camp_xattn_legacy.pth.tar"));
    CHECK(x->family() == "camp");
    CHECK(x->mode() == "camp_xattn");
    // The stage-1 file's encoders and projections are the gated file's (same reference weights); the
    // fusion head it lacks is the model's own fresh initialisation, as the official strict=False load.
    CampModel fresh(CampConfig::from_options(stage1.metadata, "fresh"), kCampFreshHeadSeed);
    const nn::TensorFile fresh_params = nn::state_dict(fresh);
    for (const auto& [name, t] : stage1.tensors) {
        INFO(name);
        const bool head = name.rfind("sim.", 0) == 0 && name.find("_query_fc") == std::string::npos &&
                          name.find("_key_fc") == std::string::npos;
        const Tensor& want = head ? *fresh_params.find(name) : *gated.find(name);
        CHECK(testing::diff(t, want).max_abs == 0);
    }

    // Written by `imram convert` and read back, the model file scores bit for bit as the checkpoint.
    const std::string out = testing::temp_file("camp_converted.safetensors");
    nn::save_safetensors(out, gated);
    const nn::TensorFile o = oracle();
    CHECK(testing::diff(scores_of(*load_model(out), o, DType::F32), scores_of(*m, o, DType::F32)).max_abs == 0);

    // Retriever::load takes the .pth.tar too.
    std::vector<std::string> words = {"<pad>", "<start>", "<end>", "<unk>"};
    for (int i = 4; i < 20; ++i) words.push_back(std::string(1, static_cast<char>('a' + i)));
    const Retriever r = Retriever::load(fixture("camp_official.pth.tar"), words);
    CHECK(r.mode() == "camp");
    CHECK(r.image_feature_size() == 10);
}

TEST_CASE("CAMP checkpoint: the converted models score as PyTorch does", "[models][golden]") {
    const nn::TensorFile o = oracle();
    for (const auto& [file, variant] : std::vector<std::pair<std::string, std::string>>{
             {"camp_official.pth.tar", "camp"}, {"camp_xattn_legacy.pth.tar", "camp_xattn"}}) {
        for (DType dt : {DType::F64, DType::F32}) {
            DYNAMIC_SECTION(variant << " " << dt) {
                const auto m = load_model(fixture(file), dt);
                REQUIRE(m->mode() == variant);
                const Tensor got = scores_of(*m, o, dt);
                const Tensor want = *o.find(variant + ".scores");  // float64 from the float32 weights
                REQUIRE(got.shape() == want.shape());
                const testing::Diff d = testing::diff(got, want);
                INFO(testing::describe_diff(d, got, want));
                CHECK(d.rel() <= (dt == DType::F64 ? 1e-10 : 1e-6));
            }
        }
    }
}

TEST_CASE("CAMP checkpoint: wrong layouts are refused naming the file and the key", "[models][errors]") {
    // Two state dicts (SCAN's layout): neither family's checkpoint; the registry gives both reasons.
    const std::string two = fixture("camp_bad_two_items.pth.tar");
    const std::string m2 = message_of([&] { load_model(two); });
    INFO(m2);
    CHECK_THAT(m2, Contains("camp_bad_two_items.pth.tar") && Contains("'model' is a list of 2 items") &&
                       Contains("list of 3 state dicts [img_enc, txt_enc, criterion.sim]") && Contains("as imram:") &&
                       Contains("as camp:"));
    CHECK_THAT(message_of([&] { load_camp_checkpoint(two); }),
               Contains("camp_bad_two_items.pth.tar") && Contains("not a CAMP checkpoint"));

    // The gated model without one key of its fusion head.
    const std::string missing = fixture("camp_bad_missing_key.pth.tar");
    const std::string mm = message_of([&] { convert_official_checkpoint(missing); });
    INFO(mm);
    CHECK_THAT(mm, Contains("camp_bad_missing_key.pth.tar") && Contains("'module.fc_out.3.bias'") &&
                       Contains("model[2] (criterion.sim)"));

    // An IMRAM checkpoint is not CAMP's, and the registry still converts it as IMRAM's.
    CHECK_THAT(message_of([&] { load_camp_checkpoint(fixture("imram_zip.pth.tar")); }),
               Contains("imram_zip.pth.tar") && Contains("not a CAMP checkpoint") && Contains("'model' is a dict"));
    CHECK(load_model(fixture("imram_zip.pth.tar"))->family() == "imram");

    // A fault of the file itself reads the same from both converters and is reported once.
    const std::string evil = message_of([&] { load_model(fixture("evil_system_zip.pth.tar")); });
    CHECK_THAT(evil, Contains("'posix.system'") && Contains("not allowed"));
    CHECK_THAT(evil, !Contains("as camp:"));
}
