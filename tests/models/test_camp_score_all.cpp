// SPDX-License-Identifier: MIT
// CampModel::score_all (the exact algebra of spec section 8, models/camp/score_all.cpp) against
// score_pairs (the official order of operations) on every pair: several caption blocks and image
// chunks, captions of 1 to 9 words padded to 12 (so blocks are trimmed differently), both modes, f64,
// on cpu and on cuda_emulated (the same ops through the CUDA kernels in the SIMT emulator).
#include <catch2/catch.hpp>

#include "core/autograd.h"
#include "core/ops.h"
#include "models/camp/model.h"
#include "tests/testing/compare.h"

using namespace imram;
using namespace imram::models;

namespace {

Tensor pairwise_matrix(const CampModel& m, const Encoded& e) {
    const std::int64_t Ni = e.images.size(0), Nc = e.captions.size(0);
    std::vector<Tensor> rows;
    for (std::int64_t i = 0; i < Ni; ++i) {
        std::vector<std::int64_t> ii(static_cast<std::size_t>(Nc), i), cc;
        for (std::int64_t j = 0; j < Nc; ++j) cc.push_back(j);
        rows.push_back(unsqueeze(m.score_pairs(e, ii, cc), 0));
    }
    return cat(rows, 0);
}

}  // namespace

TEST_CASE("CAMP score_all equals score_pairs on every pair, across blocks", "[models]") {
    const std::int64_t Ni = 10, Nc = 40, R = 5, L = 12, F = 10;  // 2 caption blocks (32 + 8), 2 image chunks (8 + 2)
    for (const auto& [name, mode] : {std::pair{"camp", CampMode::Gated}, std::pair{"camp_xattn", CampMode::CrossAttention}}) {
        DYNAMIC_SECTION(name) {
            CampConfig c;
            c.mode = mode, c.vocab_size = 30, c.word_dim = 6, c.img_dim = F, c.embed_size = 8;
            CampModel m(c, 11, DType::F64, Device::cpu());
            std::vector<std::int64_t> lengths, ids(static_cast<std::size_t>(Nc * L), 0);
            for (std::int64_t j = 0; j < Nc; ++j) {
                lengths.push_back(1 + (j * 7) % 9);
                for (std::int64_t t = 0; t < lengths.back(); ++t) ids[static_cast<std::size_t>(j * L + t)] = 1 + (j * 5 + t * 3) % 29;
            }
            const Tensor images = rand({Ni, R, F}, 4, 0, 0, 1, DType::F64), id_t = from_vector(ids, {Nc, L});
            NoGradGuard no_grad;
            const Encoded e = m.encode(images, id_t, lengths);
            const Tensor fast = m.score_all(e);
            REQUIRE(fast.shape() == Shape{Ni, Nc});
            const Tensor want = pairwise_matrix(m, e);
            INFO(testing::describe_diff(testing::diff(fast, want), fast, want));
            CHECK(testing::diff(fast, want).max_abs <= 1e-12);
            // The scores are not all alike (a collapsed comparison would pass anything).
            CHECK(testing::diff(fast, full({Ni, Nc}, fast.at(0), DType::F64)).max_abs > 1e-4);

            // The same ops on cuda_emulated (the CUDA kernels in the SIMT emulator), same weights.
            CampModel g(c, 11, DType::F64, Device::cuda_emulated());
            const auto src = m.named_parameters(), dst = g.named_parameters();
            for (std::size_t k = 0; k < src.size(); ++k) dst[k].second->copy_(*src[k].second);
            const Device emu = Device::cuda_emulated();
            const std::int64_t ni = 3, nc = 34;  // still two caption blocks (32 + 2); the emulator is slow
            const std::vector<std::int64_t> some(lengths.begin(), lengths.begin() + nc);
            const Tensor on_gpu =
                g.score_all(g.encode(slice(images, 0, 0, ni).to(emu), slice(id_t, 0, 0, nc), some));
            REQUIRE(on_gpu.device() == emu);
            CHECK(testing::diff(on_gpu.to(Device::cpu()), slice(slice(fast, 0, 0, ni), 1, 0, nc)).max_abs <= 1e-12);
        }
    }
}
