// SPDX-License-Identifier: MIT
// One whole IMRAM training step (encoders, pairwise scoring, hardest-negative loss, backward,
// clipping, Adam) on cuda_emulated, i.e. through the CUDA kernels run by the SIMT emulator,
// against the same step on the CPU backend.
#include <catch2/catch.hpp>

#include "core/ops.h"
#include "core/rng.h"
#include "models/imram/model.h"
#include "models/triplet_loss.h"
#include "tests/testing/compare.h"
#include "tests/testing/tiny_model.h"
#include "train/optim.h"

using namespace imram;
using namespace imram::models;

TEST_CASE("emulated CUDA: a full IMRAM training step matches the CPU backend", "[gpu]") {
    for (Mode m : {Mode::FullIMRAM, Mode::ScanT2I, Mode::VSE}) {
        DYNAMIC_SECTION(mode_name(m)) {
            const std::int64_t B = 4;
            const Tensor images = rand({B, 5, 10}, 3, 0, 0, 1, DType::F32);
            std::vector<std::int64_t> lengths = {4, 2, 6, 3}, ids(B * 6, 0);
            for (std::int64_t i = 0; i < B; ++i)
                for (std::int64_t t = 0; t < lengths[i]; ++t) ids[i * 6 + t] = 4 + (i * 7 + t * 3) % 16;
            const Tensor id_t = from_vector(ids, {B, 6});

            ImramModel on_cpu(testing::tiny_config(m), 21, DType::F32, Device::cpu());
            ImramModel on_emu(testing::tiny_config(m), 21, DType::F32, Device::cuda_emulated());
            auto pc = on_cpu.named_parameters();
            auto pe = on_emu.named_parameters();
            REQUIRE(pc.size() == pe.size());
            for (std::size_t i = 0; i < pc.size(); ++i) {
                REQUIRE(pe[i].second->device() == Device::cuda_emulated());
                REQUIRE(testing::diff(*pe[i].second, *pc[i].second).max_abs == 0.0);  // same initialisation
            }

            const StepResult rc = contrastive_step(on_cpu, images, id_t, lengths, 0.2, StepOptions{true, {}, /*chunk_pairs=*/3});
            const StepResult re =
                contrastive_step(on_emu, images.to(Device::cuda_emulated()), id_t, lengths, 0.2,
                                 StepOptions{true, {}, /*chunk_pairs=*/3});
            CHECK(re.loss == Approx(rc.loss).epsilon(1e-5));
            CHECK(testing::diff(re.scores, rc.scores).max_abs <= 1e-5);
            for (std::size_t i = 0; i < pc.size(); ++i) {
                INFO(pc[i].first);
                const Tensor gc = pc[i].second->grad(), ge = pe[i].second->grad();
                REQUIRE(gc.defined() == ge.defined());
                if (!gc.defined()) continue;
                CHECK(ge.device() == Device::cuda_emulated());
                const double scale = std::max(1e-3, testing::diff(gc, zeros_like(gc)).max_abs);
                CHECK(testing::diff(ge, gc).max_abs <= 1e-4 * scale);
            }

            std::vector<Tensor*> params_c, params_e;
            for (auto& p : pc) params_c.push_back(p.second);
            for (auto& p : pe) params_e.push_back(p.second);
            const train::GradClip clip_c = train::clip_grad_norm(params_c, 0.5);
            const train::GradClip clip_e = train::clip_grad_norm(params_e, 0.5);
            // The norm sums every gradient element, each allowed 1e-4 of its tensor's scale above: the same
            // bound here (an AVX-512 -march=native cpu build differed by 1.05e-5 relative at this step).
            CHECK(clip_e.total_norm == Approx(clip_c.total_norm).epsilon(1e-4));
            train::Adam adam_c(params_c, {.lr = 1e-2}), adam_e(params_e, {.lr = 1e-2});
            adam_c.step(clip_c.scale);
            adam_e.step(clip_e.scale);
            for (std::size_t i = 0; i < pc.size(); ++i) {
                INFO(pc[i].first << " after Adam");
                // Adam normalises each update to about lr, so near-zero gradients amplify the backends'
                // last-bit differences: allow 1% of one step.
                CHECK(testing::diff(*pe[i].second, *pc[i].second).max_abs <= 1e-2 * 1e-2);
            }
        }
    }
}

TEST_CASE("hardest negatives: ref, cpu and the CUDA kernel agree, ties to the first index", "[gpu]") {
    for (std::int64_t n : {2, 5, 37, 150}) {
        DYNAMIC_SECTION("B = " << n) {
            // Small integers: many ties, so the first-index rule is exercised.
            std::vector<float> v(static_cast<std::size_t>(n * n));
            Philox r(static_cast<std::uint64_t>(n), 0);
            for (auto& x : v) x = static_cast<float>(r.below(4));
            const Tensor s = from_vector(v, {n, n}, Device::ref());
            const HardNegatives want = hardest_negatives_on_host(s);
            for (std::int64_t i = 0; i < n; ++i) {
                CHECK(want.row_neg[i] != i);
                CHECK(want.col_neg[i] != i);
            }
            for (Device dev : {Device::cpu(), Device::cuda_emulated()}) {
                INFO(dev);
                const HardNegatives got = hardest_negatives_on_host(s.to(dev));
                CHECK(got.row_neg == want.row_neg);
                CHECK(got.col_neg == want.col_neg);
            }
        }
    }
    // A hand-made case with ties.
    const Tensor s = from_vector<float>({9, 1, 5, 5, 9, 5, 3, 3, 9}, {3, 3}, Device::ref());
    const HardNegatives h = hardest_negatives_on_host(s.to(Device::cuda_emulated()));
    CHECK(h.row_neg == std::vector<std::int64_t>{2, 0, 0});  // row 1: 5 at columns 0 and 2, the first wins
    CHECK(h.col_neg == std::vector<std::int64_t>{1, 2, 0});  // column 1: 1, -, 3 -> row 2; column 2: 5, 5 -> row 0
}
