// SPDX-License-Identifier: MIT
// A model file with a NaN or infinite weight is refused when it is loaded, naming the file, the
// tensor and the element: such weights score everything NaN, and a ranking cannot tell that from a
// model. Both routes in are covered: a safetensors model file and an official .pth.tar checkpoint,
// each through models::model_from_file, the one place that checks (every load goes through it).
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>

#include "models/imram/checkpoint.h"
#include "models/imram/official_checkpoint.h"
#include "models/registry.h"
#include "tests/testing/temp.h"

using namespace imram;
using namespace imram::models;
using Catch::Contains;
using imram::testing::tmp_path;

namespace {

ModelConfig tiny() {
    ModelConfig c;
    c.mode = Mode::ImageIMRAM, c.vocab_size = 25, c.word_dim = 6, c.img_dim = 10, c.embed_size = 8;
    c.iteration_step = 2, c.lambda_softmax = 4.0, c.no_imram_norm = true;
    return c;
}

std::string error_of(const std::function<void()>& f, ErrorKind* kind = nullptr) {
    try {
        f();
    } catch (const Error& e) {
        if (kind) *kind = e.kind;
        return e.message();
    }
    return "(no error)";
}

// The file's tensor `name` with element `k` (flat) set to `v`.
nn::TensorFile poisoned(const nn::TensorFile& f, const std::string& name, std::int64_t k, float v) {
    nn::TensorFile out = f;
    for (auto& [n, t] : out.tensors)
        if (n == name) {
            t = t.clone();
            t.data<float>()[k] = v;
        }
    return out;
}

}  // namespace

TEST_CASE("weights: a NaN or Inf in a model file is refused naming the file, tensor and element", "[models][errors]") {
    const std::string clean = tmp_path("finite_clean.safetensors");
    ImramModel m(tiny(), 1);
    save_model(clean, m);
    CHECK_NOTHROW(load_model(clean));
    const nn::TensorFile f = nn::load_safetensors(clean);

    const std::string nan_file = tmp_path("finite_nan.safetensors");
    // img_enc.fc_local.weight is (8, 10): flat element 23 is row 2, column 3.
    nn::save_safetensors(nan_file, poisoned(f, "img_enc.fc_local.weight", 23, NAN));
    ErrorKind kind = ErrorKind::Internal;
    const std::string msg = error_of([&] { load_model(nan_file); }, &kind);
    CHECK(kind == ErrorKind::Data);
    CHECK_THAT(msg, Contains(nan_file) && Contains("tensor 'img_enc.fc_local.weight'") && Contains("element 23") &&
                        Contains("[2, 3]") && Contains("is NaN; model weights must be finite"));
    // The family's own loader goes through the same check.
    CHECK_THAT(error_of([&] { load_imram_model(nan_file); }), Contains("tensor 'img_enc.fc_local.weight'") &&
                                                               Contains("element 23") && Contains("is NaN"));

    const std::string inf = error_of([&] {
        model_from_file(poisoned(f, "txt_enc.embed.weight", 0, -INFINITY), "inf.safetensors");
    });
    CHECK_THAT(inf, Contains("inf.safetensors") && Contains("'txt_enc.embed.weight'") && Contains("element 0") &&
                        Contains("-Inf"));
}

TEST_CASE("weights: an official checkpoint with a NaN weight is refused when converted or loaded", "[models][errors]") {
    const std::string path = std::string(IMRAM_TEST_DATA_DIR) + "/pth/imram_zip.pth.tar";
    models::OfficialCheckpoint c = models::load_official_checkpoint(path);
    // What `imram convert` and load_model do with a checkpoint: convert it, then load the model file.
    CHECK_NOTHROW(models::model_from_file(models::to_model_file(c), path));
    REQUIRE(!c.tensors.empty());
    // The message names the tensor as the model file does (without the checkpoint's "module.").
    const std::string name = models::to_model_file(c).tensors.back().first;
    Tensor& t = c.tensors.back().second;
    REQUIRE(t.dtype() == DType::F32);
    REQUIRE(t.numel() > 1);
    t = t.clone();
    t.data<float>()[1] = NAN;
    ErrorKind kind = ErrorKind::Internal;
    const std::string msg = error_of([&] { models::model_from_file(models::to_model_file(c), path); }, &kind);
    CHECK(kind == ErrorKind::Data);
    CHECK_THAT(msg, Contains("imram_zip.pth.tar") && Contains("tensor '" + name + "'") && Contains("element 1 ") &&
                        Contains("NaN"));
}
