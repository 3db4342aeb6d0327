// SPDX-License-Identifier: MIT
// A family's own model file that lost a tensor, or whose tensors contradict its metadata, is refused
// with the file and the tensor named (models/model_file.h: CAMP and PCME).
#include <catch2/catch.hpp>

#include "models/registry.h"
#include "nn/safetensors.h"
#include "tests/testing/temp.h"

using namespace imram;

TEST_CASE("model files: a missing or resized sizing tensor is refused, naming the file and the tensor",
          "[models][errors]") {
    for (const char* mode : {"camp", "pcme"}) {
        CAPTURE(mode);
        const auto m = models::create_model({{"model_mode", mode}, {"vocab_size", "20"}, {"img_dim", "10"},
                                             {"embed_size", "8"}, {"word_dim", "6"}},
                                            1);
        const std::string path = testing::tmp_path(std::string("model_file_") + mode + ".safetensors");
        models::save_model(path, *m);
        const nn::TensorFile good = nn::load_safetensors(path);
        CHECK(models::model_from_file(good, path)->num_parameters() == m->num_parameters());

        nn::TensorFile missing = good;
        std::erase_if(missing.tensors, [](const auto& t) { return t.first == "img_enc.fc.weight"; });
        std::string why = "no tensor 'img_enc.fc.weight': not a ";
        why += std::string(mode) == "camp" ? "CAMP" : "PCME";
        CHECK_THROWS_WITH(models::model_from_file(missing, path), Catch::Contains(path) && Catch::Contains(why));

        nn::TensorFile resized = good;
        resized.metadata["word_dim"] = std::to_string(7);  // (a literal trips GCC 12's false -Wrestrict here)
        CHECK_THROWS_WITH(models::model_from_file(resized, path),
                          Catch::Contains("'txt_enc.embed.weight' has shape [20, 6] but the metadata's sizes give [20, 7]"));
    }
}
