// SPDX-License-Identifier: MIT
// score_all runs the op imram_score_all on the model's own device: on cuda_emulated (the CUDA kernels
// in the SIMT emulator) it must equal the differentiable score_matrix there, for every mode.
#include <catch2/catch.hpp>

#include "core/autograd.h"
#include "core/ops.h"
#include "models/registry.h"
#include "tests/testing/compare.h"

using namespace imram;
using namespace imram::models;

TEST_CASE("emulated CUDA: score_all equals score_pairs for every mode", "[gpu]") {
    const std::int64_t Ni = 3, Nc = 5, L = 6;
    const std::vector<std::int64_t> lengths = {6, 2, 4, 1, 5};
    std::vector<std::int64_t> ids(Nc * L, 0);
    for (std::int64_t j = 0; j < Nc; ++j)
        for (std::int64_t t = 0; t < lengths[j]; ++t) ids[j * L + t] = 1 + (j * 5 + t * 3) % 19;
    const Tensor id_t = from_vector(ids, {Nc, L});
    for (const std::string& mode : model_modes()) {
        for (const char* K : {"1", "3"}) {
            DYNAMIC_SECTION(mode << " K " << K) {
                const Options o = {{"model_mode", mode}, {"vocab_size", "20"}, {"word_dim", "6"}, {"img_dim", "10"},
                                   {"embed_size", "8"}, {"iteration_step", K}};
                const auto m = create_model(o, 5, DType::F64, Device::cuda_emulated());
                const Tensor images = rand({Ni, 4, 10}, 9, 0, 0, 1, DType::F64).to(Device::cuda_emulated());
                NoGradGuard no_grad;
                const Encoded e = m->encode(images, id_t, lengths);
                const Tensor all = m->score_all(e);
                REQUIRE(all.device() == Device::cuda_emulated());
                std::vector<std::int64_t> ii, cc;
                for (std::int64_t i = 0; i < Ni; ++i)
                    for (std::int64_t j = 0; j < Nc; ++j) ii.push_back(i), cc.push_back(j);
                const Tensor pairs = reshape(m->score_pairs(e, ii, cc), {Ni, Nc});
                INFO(testing::describe_diff(testing::diff(all, pairs), all, pairs));
                CHECK(testing::diff(all, pairs).max_abs < 1e-12);
            }
        }
    }
}
