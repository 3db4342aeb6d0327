// SPDX-License-Identifier: MIT
// --word_vectors: the vectors land in their rows of the model's word embedding, on any device and
// dtype, for every family; other rows keep their initialisation; a size mismatch is refused.
#include <catch2/catch.hpp>

#include "base/check.h"
#include "data/word_vectors.h"
#include "models/registry.h"
#include "models/word_vectors.h"
#include "tests/testing/compare.h"

using namespace imram;

namespace {
std::unique_ptr<models::RetrievalModel> tiny(const std::string& mode, DType dt, Device dev) {
    return models::create_model({{"model_mode", mode}, {"vocab_size", "9"}, {"word_dim", "3"}, {"img_dim", "10"},
                                 {"embed_size", "8"}, {"iteration_step", "2"}},
                                4, dt, dev);
}
}  // namespace

TEST_CASE("set_word_vectors writes the rows of the words that have a vector", "[models]") {
    data::WordVectors wv;
    wv.dim = 3, wv.words_in_file = 2, wv.ids = {7, 4}, wv.values = {1.5f, -2, 0.25f, 3, 4, 5};
    for (const char* mode : {"full_IMRAM", "vse", "camp"})
        for (const auto& [dt, dev] : {std::pair{DType::F32, Device::cpu()}, std::pair{DType::F64, Device::cpu()},
                                      std::pair{DType::F32, Device::cuda_emulated()}}) {
            DYNAMIC_SECTION(mode << " " << dtype_name(dt) << " " << dev) {
                const auto m = tiny(mode, dt, dev);
                const Tensor before = m->word_embedding().to(Device::cpu()).clone();
                CHECK(models::set_word_vectors(*m, wv.dim, wv.ids, wv.values, "vectors.txt") == 2);
                const Tensor after = m->word_embedding().to(Device::cpu());
                REQUIRE(after.device() == Device::cpu());
                for (std::int64_t w = 0; w < 9; ++w)
                    for (std::int64_t k = 0; k < 3; ++k) {
                        const double want = w == 7 ? wv.values[static_cast<std::size_t>(k)]
                                          : w == 4 ? wv.values[static_cast<std::size_t>(3 + k)]
                                                   : before.at(w * 3 + k);
                        INFO("word " << w << " value " << k);
                        CHECK(after.at(w * 3 + k) == want);
                    }
            }
        }
}

TEST_CASE("set_word_vectors refuses vectors of another size or outside the vocabulary", "[models][errors]") {
    const auto m = tiny("full_IMRAM", DType::F32, Device::cpu());
    data::WordVectors wv;
    wv.dim = 4, wv.words_in_file = 1, wv.ids = {5}, wv.values = {1, 2, 3, 4};
    CHECK_THROWS_WITH(models::set_word_vectors(*m, wv.dim, wv.ids, wv.values, "v.txt"),
                      Catch::Contains("v.txt: the word vectors have 4 values each, but the model's word_dim is 3 "
                                      "(pass --word_dim 4)"));
    wv.dim = 3, wv.ids = {9}, wv.values = {1, 2, 3};
    CHECK_THROWS_WITH(models::set_word_vectors(*m, wv.dim, wv.ids, wv.values, "v.txt"), Catch::Contains("word id 9 is outside"));
}
