// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include "core/ops.h"
#include "models/imram/model.h"
#include "models/triplet_loss.h"
#include "tests/testing/compare.h"
#include "tests/testing/tiny_model.h"

using namespace imram;
using namespace imram::models;

namespace {
/// The tiny model (tests/testing/tiny_model.h) with un-normalised memory outputs (--no_IMRAM_norm).
ModelConfig tiny(Mode m) { return testing::tiny_config(m, /*no_imram_norm=*/true); }
struct Batch {
    Tensor images, ids;
    std::vector<std::int64_t> lengths;
};
Batch batch(std::int64_t B, DType dt) {
    Batch b;
    b.images = rand({B, 4, 10}, 3, 0, 0, 1, dt);
    b.lengths.resize(B);
    std::vector<std::int64_t> ids(B * 6, 0);
    for (std::int64_t i = 0; i < B; ++i) {
        b.lengths[i] = 3 + (i * 5) % 4;
        for (std::int64_t t = 0; t < b.lengths[i]; ++t) ids[i * 6 + t] = 4 + (i * 7 + t * 3) % 16;
    }
    b.ids = from_vector(ids, {B, 6});
    return b;
}

/// Every parameter's gradient in `got` equals the one in `want` to 1e-12 (relative to want's largest).
void check_same_grads(ImramModel& want, ImramModel& got) {
    auto pw = want.named_parameters();
    auto pg = got.named_parameters();
    for (std::size_t i = 0; i < pw.size(); ++i) {
        INFO(pw[i].first);
        const Tensor gw = pw[i].second->grad().defined() ? pw[i].second->grad() : zeros_like(*pw[i].second);
        const Tensor gg = pg[i].second->grad().defined() ? pg[i].second->grad() : zeros_like(*pg[i].second);
        CHECK(testing::diff(gg, gw).max_abs <= 1e-12 * std::max(1.0, testing::diff(gw, zeros_like(gw)).max_abs));
    }
}
}  // namespace

TEST_CASE("loss: known value of the hardest-negative loss", "[models]") {
    // S rows = images, cols = captions; margin 0.2.
    Tensor s = from_vector<double>({0.9, 0.8, 0.1, 0.3, 0.5, 0.6, 0.0, 0.95, 0.7}, {3, 3}, Device::ref());
    // rows: i0: max(0.2+0.8-0.9, 0.2+0.1-0.9)=0.1; i1: max(0.2+0.3-0.5, 0.2+0.6-0.5)=0.3; i2: max(-0.5, 0.45)=0.45
    // cols: j0: max(0.2+0.3-0.9, 0.2+0-0.9)=0; j1: max(0.2+0.8-0.5, 0.2+0.95-0.5)=0.65; j2: max(0.2+0.1-0.7, 0.2+0.6-0.7)=0.1
    CHECK(contrastive_loss(s, 0.2).item<double>() == Approx(0.1 + 0.3 + 0.45 + 0 + 0.65 + 0.1));
    const HardNegatives h = hardest_negatives_on_host(s);
    CHECK(h.row_neg == std::vector<std::int64_t>{1, 2, 1});
    CHECK(h.col_neg == std::vector<std::int64_t>{1, 2, 1});
}

TEST_CASE("loss: the sparse backward gives the dense loss and gradients", "[models]") {
    for (Mode m : {Mode::FullIMRAM, Mode::TextIMRAM, Mode::ImageIMRAM, Mode::ScanT2I, Mode::VSE}) {
        DYNAMIC_SECTION(mode_name(m)) {
            const Batch b = batch(5, DType::F64);
            ImramModel dense(tiny(m), 9, DType::F64), sparse(tiny(m), 9, DType::F64);
            const Tensor ld = contrastive_loss(dense.score_matrix(dense.encode(b.images, b.ids, b.lengths)), 0.2);
            ld.backward();
            const SparseLoss ls = contrastive_loss_sparse(sparse, sparse.encode(b.images, b.ids, b.lengths), 0.2);
            ls.loss.backward();
            CHECK(ls.pairs_scored <= 15);
            CHECK(ls.loss.item<double>() == Approx(ld.item<double>()).epsilon(1e-12));
            check_same_grads(dense, sparse);
        }
    }
}

TEST_CASE("model: score_matrix blocks agree with one big block", "[models]") {
    const Batch b = batch(4, DType::F64);
    ImramModel m(tiny(Mode::FullIMRAM), 1, DType::F64);
    const Encoded e = m.encode(b.images, b.ids, b.lengths);
    CHECK(testing::diff(m.score_matrix(e, 3), m.score_matrix(e)).max_abs < 1e-14);
    CHECK(m.score_matrix(e).shape() == Shape{4, 4});
}

TEST_CASE("model: config validation and metadata round trip", "[models][errors]") {
    ModelConfig c = tiny(Mode::ImageIMRAM);
    c.lambda_softmax = 4.5;
    const ModelConfig d = ModelConfig::from_metadata(c.to_metadata(), "x");
    CHECK(d.mode == Mode::ImageIMRAM);
    CHECK(d.lambda_softmax == 4.5);
    CHECK(d.no_imram_norm);
    CHECK(d.embed_size == 8);
    CHECK_THROWS_WITH(ModelConfig::from_metadata({{"model_mode", "vsepp"}}, "ck"), Catch::Contains("vsepp"));
    CHECK_THROWS_WITH(ModelConfig::from_metadata({{"lambda_softmax", "nine"}}, "ck.safetensors"),
                      Catch::Contains("ck.safetensors") && Catch::Contains("lambda_softmax"));
    c.iteration_step = 0;
    CHECK_THROWS_WITH(ImramModel(c, 1), Catch::Contains("iteration_step"));
}

TEST_CASE("fused scorer: equals the composed score matrix for every mode", "[models]") {
    for (Mode m : {Mode::FullIMRAM, Mode::TextIMRAM, Mode::ImageIMRAM, Mode::ScanT2I, Mode::ScanI2T, Mode::VSE}) {
        for (bool no_norm : {true, false}) {
            for (std::int64_t K : {1, 2, 3}) {
                DYNAMIC_SECTION(mode_name(m) << " K=" << K << " no_norm=" << no_norm) {
                    ModelConfig c = tiny(m);
                    c.iteration_step = K, c.no_imram_norm = no_norm;
                    if (m == Mode::ScanI2T) c.agg = Agg::LogSumExp, c.lambda_lse = 5;
                    // SCAN's other agg_func values; K does not apply to SCAN, so spread them over K.
                    if (m == Mode::ScanT2I && K == 2) c.agg = Agg::Max;
                    if (m == Mode::ScanT2I && K == 3) c.agg = Agg::Sum;
                    if (m == Mode::ScanI2T && K == 2) c.agg = Agg::Max;
                    if (m == Mode::ScanI2T && K == 3) c.agg = Agg::Sum;
                    for (DType dt : {DType::F64, DType::F32}) {
                        const Batch b = batch(37, dt);  // more captions than one chunk
                        ImramModel model(c, 4, dt);
                        const Encoded e = model.encode(b.images, b.ids, b.lengths);
                        const Tensor want = model.score_matrix(e), got = model.score_all(e);
                        INFO(dt << ": " << testing::describe_diff(testing::diff(got, want), got, want));
                        CHECK(testing::diff(got, want).rel() < (dt == DType::F64 ? 1e-12 : 1e-5));  // f32: the score tolerance of docs/testing.md
                    }
                }
            }
        }
    }
}

TEST_CASE("loss: pairs marked as not negatives are left out, in the dense loss and the chunked step alike",
          "[models]") {
    for (bool max_violation : {true, false}) {
        DYNAMIC_SECTION((max_violation ? "hardest negative" : "summed (VSE0)")) {
            const Batch b = batch(6, DType::F64);
            ImramModel probe(tiny(Mode::FullIMRAM), 13, DType::F64);
            const Tensor s0 = probe.score_all(probe.encode(b.images, b.ids, b.lengths));
            // Mark image 0's hardest caption and caption 0's hardest image (both ways round).
            const HardNegatives h = hardest_negatives_on_host(s0);
            NotNegative mask(36, 0);
            for (auto [i, j] : {std::pair{std::int64_t{0}, h.row_neg[0]}, std::pair{h.col_neg[0], std::int64_t{0}}})
                mask[i * 6 + j] = mask[j * 6 + i] = 1;
            const double plain = contrastive_loss(s0, 0.2, max_violation).item<double>();
            // By hand: the loss over the unmarked pairs only.
            double want = 0;
            for (std::int64_t i = 0; i < 6; ++i) {
                double row = 0, col = 0;
                for (std::int64_t j = 0; j < 6; ++j) {
                    if (j == i) continue;
                    const double vr = mask[i * 6 + j] ? 0 : std::max(0.0, 0.2 + s0.at(i * 6 + j) - s0.at(i * 6 + i));
                    const double vc = mask[j * 6 + i] ? 0 : std::max(0.0, 0.2 + s0.at(j * 6 + i) - s0.at(i * 6 + i));
                    row = max_violation ? std::max(row, vr) : row + vr;
                    col = max_violation ? std::max(col, vc) : col + vc;
                }
                want += row + col;
            }
            ImramModel dense(tiny(Mode::FullIMRAM), 13, DType::F64), chunked(tiny(Mode::FullIMRAM), 13, DType::F64);
            const Tensor ld = contrastive_loss(dense.score_matrix(dense.encode(b.images, b.ids, b.lengths)), 0.2,
                                               max_violation, mask);
            CHECK(ld.item<double>() == Approx(want).epsilon(1e-12));
            CHECK(ld.item<double>() != Approx(plain).epsilon(1e-9));  // the marked pairs did count before
            ld.backward();
            const StepResult r =
                contrastive_step(chunked, b.images, b.ids, b.lengths, 0.2, StepOptions{max_violation, mask, /*chunk_pairs=*/2});
            CHECK(r.loss == Approx(want).epsilon(1e-12));
            check_same_grads(dense, chunked);
        }
    }
}

TEST_CASE("loss: the chunked training step gives the dense loss's gradients", "[models]") {
    for (Mode m : {Mode::FullIMRAM, Mode::ImageIMRAM, Mode::ScanT2I}) {
      for (bool max_violation : {true, false}) {
        DYNAMIC_SECTION(mode_name(m) << (max_violation ? " hardest negative" : " summed (VSE0)")) {
            const Batch b = batch(6, DType::F64);
            ImramModel dense(tiny(m), 13, DType::F64), chunked(tiny(m), 13, DType::F64);
            const Tensor ld =
                contrastive_loss(dense.score_matrix(dense.encode(b.images, b.ids, b.lengths)), 0.2, max_violation);
            ld.backward();
            const StepResult r =
                contrastive_step(chunked, b.images, b.ids, b.lengths, 0.2, StepOptions{max_violation, {}, /*chunk_pairs=*/2});
            CHECK(r.loss == Approx(ld.item<double>()).epsilon(1e-12));
            CHECK(r.pairs_backpropagated > 2);  // several chunks
            check_same_grads(dense, chunked);
        }
      }
    }
}
