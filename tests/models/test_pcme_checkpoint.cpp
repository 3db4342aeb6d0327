// SPDX-License-Identifier: MIT
// Official PCME checkpoints (tests/fixtures/pth/pcme_*, made by tools/make_pcme_checkpoint.py with
// PyTorch from the parameters of tests/fixtures/pcme_golden.safetensors): the apex-O2 file (float16
// weights, zip layout), a DataParallel file ('module.' keys, float32, legacy layout) and a bare state
// dict convert and load through the registry with the reference's parameters, skip the image backbone,
// give the reference's match probabilities with the golden's fixed draws, and wrong files are refused
// naming the file and the key.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/autograd.h"
#include "models/pcme/model.h"
#include "models/pcme/official_checkpoint.h"
#include "models/registry.h"
#include "nn/safetensors.h"
#include "tests/testing/compare.h"
#include "tests/testing/files.h"

using namespace imram;
using namespace imram::models;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

std::string fixture(const std::string& name) { return std::string(IMRAM_TEST_DATA_DIR) + "/pth/" + name; }

nn::TensorFile golden() { return nn::load_safetensors(IMRAM_TEST_DATA_DIR "/pcme_golden.safetensors"); }

const Tensor& param(const nn::TensorFile& g, const std::string& name) {
    const Tensor* t = g.find("param." + name);
    REQUIRE(t != nullptr);
    return *t;
}

/// The match probabilities of `m` on the golden's inputs with its fixed draws (not the model's own).
Tensor match_prob(const RetrievalModel& m, const nn::TensorFile& g, DType dt) {
    NoGradGuard no_grad;
    const auto* pcme = dynamic_cast<const PcmeModel*>(&m);
    REQUIRE(pcme != nullptr);
    const std::vector<std::int64_t> lengths = g.find("input.lengths")->to_vector<std::int64_t>();
    const Encoded e{PcmeModel::pack(pcme->image_gaussians(g.find("input.images")->to(dt)), g.find("input.eps_img")->to(dt)),
                    PcmeModel::pack(pcme->caption_gaussians(*g.find("input.captions"), lengths),
                                    g.find("input.eps_txt")->to(dt)),
                    lengths};
    return pcme->score_all(e);
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

TEST_CASE("PCME checkpoint: the official files convert with the reference's parameters, the backbone skipped",
          "[models]") {
    const nn::TensorFile g = golden();

    // The apex-O2 file: float16 weights, read as float32 within float16's rounding of the reference's.
    const nn::TensorFile half = convert_official_checkpoint(fixture("pcme_official.pth.tar"));
    CHECK(half.metadata.at("family") == "pcme");
    CHECK(half.metadata.at("model_mode") == "pcme");
    CHECK(half.metadata.at("vocab_size") == "20");
    CHECK(half.metadata.at("word_dim") == "6");
    CHECK(half.metadata.at("img_dim") == "10");
    CHECK(half.metadata.at("embed_size") == "8");
    CHECK(half.metadata.at("n_samples_inference") == "3");  // config['model'], not the default 7
    CHECK(half.metadata.at("vib_beta") == "0.10000000000000001");
    CHECK(half.metadata.at("converted_format") == "PCME checkpoint, zip layout");
    CHECK_THAT(half.metadata.at("converted_skipped"), StartsWith("18 img_enc.cnn.* tensors"));
    CHECK(half.metadata.at("config.model.embed_dim") == "8");
    CHECK(half.metadata.at("config.criterion.vib_beta") == "0.1");
    CHECK(half.metadata.at("checkpoint.word2idx") == "<dict of 20 words>");
    CHECK(half.metadata.at("checkpoint.metadata.epoch") == "3");
    CHECK(half.metadata.at("checkpoint.optimizer") == "<dict of 2 items>");
    CHECK(half.metadata.count("converted_criterion") == 0);

    PcmeModel probe(PcmeConfig::from_options(half.metadata, "probe"), 0);
    const nn::TensorFile want_names = nn::state_dict(probe);
    REQUIRE(half.tensors.size() == want_names.tensors.size());
    for (std::size_t i = 0; i < half.tensors.size(); ++i) {
        const auto& [name, t] = half.tensors[i];
        INFO(name);
        CHECK(name == want_names.tensors[i].first);  // the model's parameter order, the engine's names
        CHECK(t.dtype() == DType::F32);
        const std::vector<double> got = t.to(DType::F64).to_vector<double>();
        const std::vector<double> ref = param(g, name).to(DType::F64).to_vector<double>();
        REQUIRE(got.size() == ref.size());
        // float16 keeps 11 significant bits; its subnormals (below 2^-14) are spaced 2^-24 apart. The
        // criterion is saved in float32.
        const bool f32 = name.rfind("criterion.", 0) == 0;
        for (std::size_t k = 0; k < got.size(); ++k)
            CHECK(std::fabs(got[k] - ref[k]) <= (f32 ? std::ldexp(std::fabs(ref[k]), -24)
                                                     : std::ldexp(std::fabs(ref[k]), -11) + std::ldexp(1.0, -25)));
    }

    // The DataParallel file: float32 weights, exactly the reference's rounded to float32.
    const nn::TensorFile full = convert_official_checkpoint(fixture("pcme_module_legacy.pth.tar"));
    CHECK(full.metadata.at("converted_format") == "PCME checkpoint, legacy layout");
    CHECK_THAT(full.metadata.at("converted_skipped"), StartsWith("18 img_enc.cnn.* tensors"));
    REQUIRE(full.tensors.size() == want_names.tensors.size());
    for (const auto& [name, t] : full.tensors) {
        INFO(name);
        CHECK(name.rfind("module.", 0) == std::string::npos);
        CHECK(testing::diff(t, param(g, name).to(DType::F32)).max_abs == 0);
    }

    // A bare state dict: the same weights; a and b keep their initial values (no criterion saved).
    const nn::TensorFile bare = convert_official_checkpoint(fixture("pcme_bare.pth.tar"));
    CHECK(bare.metadata.at("converted_format") == "PCME state dict, zip layout");
    CHECK(bare.metadata.at("n_samples_inference") == "7");  // no config: the official default
    CHECK_THAT(bare.metadata.at("converted_criterion"), Contains("initial values"));
    CHECK_THAT(bare.metadata.at("converted_skipped"), StartsWith("18 "));
    for (const auto& [name, t] : bare.tensors) {
        INFO(name);
        if (name.rfind("criterion.", 0) == 0) CHECK(t.to(DType::F64).at(0) == 15.0);
        else CHECK(testing::diff(t, *full.find(name)).max_abs == 0);
    }

    // Through the registry, and written by `imram convert` then read back: the same model.
    const auto m = load_model(fixture("pcme_official.pth.tar"));
    CHECK(m->family() == "pcme");
    CHECK(m->mode() == "pcme");
    CHECK(m->image_feature_size() == 10);
    const std::string out = testing::temp_file("pcme_converted.safetensors");
    nn::save_safetensors(out, half);
    const auto back = load_model(out);
    CHECK(back->describe() == m->describe());
    CHECK(testing::diff(match_prob(*back, g, DType::F32), match_prob(*m, g, DType::F32)).max_abs == 0);
    CHECK(load_model(fixture("pcme_bare.pth.tar"))->family() == "pcme");
}

TEST_CASE("PCME checkpoint: the converted models give the golden match probabilities", "[models]") {
    const nn::TensorFile g = golden();
    const nn::TensorFile oracle = nn::load_safetensors(fixture("pcme_official_scores.safetensors"));
    for (const auto& [file, key] : std::vector<std::pair<std::string, std::string>>{
             {"pcme_official.pth.tar", "f16.match_prob"}, {"pcme_module_legacy.pth.tar", "f32.match_prob"}}) {
        for (DType dt : {DType::F64, DType::F32}) {
            DYNAMIC_SECTION(file << " " << dt) {
                const auto m = load_model(fixture(file), dt);
                const Tensor got = match_prob(*m, g, dt);
                // The reference's probabilities from the weights as stored.
                const Tensor want = *oracle.find(key);
                REQUIRE(got.shape() == want.shape());
                const testing::Diff d = testing::diff(got, want);
                INFO(testing::describe_diff(d, got, want));
                CHECK(d.rel() <= (dt == DType::F64 ? 1e-10 : 5e-5));
                // And the golden's, from the float64 parameters: float32 weights are within 1e-7 of
                // them, float16 weights within 1e-3 (their rounding, about 5e-4 relative).
                const Tensor golden_mp = *g.find("match_prob");
                const double tol = key == "f32.match_prob" ? (dt == DType::F64 ? 1e-7 : 5e-5) : 2e-3;
                const testing::Diff dg = testing::diff(got, golden_mp);
                INFO(testing::describe_diff(dg, got, golden_mp));
                CHECK(dg.rel() <= tol);
            }
        }
    }
}

TEST_CASE("PCME checkpoint: wrong files are refused naming the file and the key", "[models][errors]") {
    // A key of the model missing: the registry gives every family's reason, PCME's naming the key.
    const std::string missing = fixture("pcme_bad_missing_key.pth.tar");
    const std::string mm = message_of([&] { convert_official_checkpoint(missing); });
    INFO(mm);
    CHECK_THAT(mm, Contains("pcme_bad_missing_key.pth.tar") && Contains("as pcme:") &&
                       Contains("no 'txt_enc.uncertain_net.rnn.bias_hh_l0_reverse' in 'model'"));
    CHECK_THAT(message_of([&] { load_pcme_checkpoint(missing); }),
               StartsWith(missing + ": the PCME checkpoint has no 'txt_enc.uncertain_net.rnn.bias_hh_l0_reverse'"));

    // A tensor of the wrong shape (transposed).
    const std::string shape = fixture("pcme_bad_shape.pth.tar");
    const std::string ms = message_of([&] { load_pcme_checkpoint(shape); });
    INFO(ms);
    CHECK_THAT(ms, StartsWith(shape + ": 'img_enc.pie_net.fc.weight' in 'model' has shape [10, 8], expected [8, 10]") &&
                       Contains("embed_size 8"));
    CHECK_THAT(message_of([&] { load_model(shape); }), Contains("as pcme:") && Contains("has shape [10, 8]"));

    // Other families' checkpoints are not PCME's, and the registry still converts them as theirs.
    CHECK_THAT(message_of([&] { load_pcme_checkpoint(fixture("camp_official.pth.tar")); }),
               Contains("camp_official.pth.tar") && Contains("not a PCME checkpoint") &&
                   Contains("'model' is a list of 3 items"));
    CHECK(load_model(fixture("camp_official.pth.tar"))->family() == "camp");
    CHECK_THAT(message_of([&] { load_pcme_checkpoint(fixture("imram_zip.pth.tar")); }),
               Contains("imram_zip.pth.tar") && Contains("not a PCME checkpoint") &&
                   Contains("none of PCME's pie_net / uncertain_net parameters"));
    CHECK(load_model(fixture("imram_zip.pth.tar"))->family() == "imram");
    CHECK_THAT(message_of([&] { load_pcme_checkpoint(fixture("scan_legacy.pth.tar")); }),
               Contains("not a PCME checkpoint") && Contains("'model' is a list of 2 items"));

    // Not a checkpoint at all: a safetensors file.
    const std::string st = IMRAM_TEST_DATA_DIR "/pcme_golden.safetensors";
    CHECK_THAT(message_of([&] { convert_official_checkpoint(st); }),
               Contains("pcme_golden.safetensors") && Contains("not a torch.save checkpoint"));
    CHECK_THAT(message_of([&] { load_pcme_checkpoint(st); }), StartsWith(st));

    // A fault of the file itself reads the same from every converter and is reported once.
    const std::string evil = message_of([&] { load_model(fixture("evil_system_zip.pth.tar")); });
    CHECK_THAT(evil, Contains("'posix.system'") && Contains("not allowed"));
    CHECK_THAT(evil, !Contains("as pcme:"));
}
