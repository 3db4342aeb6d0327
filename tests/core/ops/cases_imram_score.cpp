// SPDX-License-Identifier: MIT
// Cases for imram_score_all, the no-tape (images x captions) score matrix: every backend against the
// f64 reference kernel, which scores each pair on its own straight from the spec (attended vectors in D,
// the memory unit's whole weight), while cpu and CUDA take the exact shortcuts. Inputs: images
// (Ni, R, D), captions (Nc, L, D), then the t2i and i2t memory units (weight (D, 2D), bias (D),
// linear then gate).
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "tests/testing/compare.h"
#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;
using Pool = ImramScoreSettings::Pool;

namespace {

/// Inputs for Ni images of R regions and Nc captions padded to L, features of D.
std::vector<InputSpec> inputs(std::int64_t Ni, std::int64_t R, std::int64_t Nc, std::int64_t L, std::int64_t D) {
    std::vector<InputSpec> in = {F({Ni, R, D}), F({Nc, L, D})};
    for (int unit = 0; unit < 2; ++unit)
        for (int part = 0; part < 2; ++part) in.push_back(F({D, 2 * D}, -0.4, 0.4)), in.push_back(F({D}, -0.4, 0.4));
    return in;
}

/// Lengths 1..L, cycling, so short and full captions sit in every chunk.
std::vector<std::int64_t> cycling_lengths(std::int64_t Nc, std::int64_t L) {
    std::vector<std::int64_t> len;
    for (std::int64_t j = 0; j < Nc; ++j) len.push_back(1 + (j * 3 + 2) % L);
    return len;
}

OpFn scorer(std::vector<std::int64_t> lengths, ImramScoreSettings s) {
    return [lengths, s](const V& x) {
        const MemoryUnitWeights t2i{x[2], x[3], x[4], x[5]}, i2t{x[6], x[7], x[8], x[9]};
        return V{imram_score_all(x[0], x[1], lengths, t2i, i2t, s)};
    };
}

ImramScoreSettings imram_mode(std::int64_t K, bool t2i, bool i2t, bool normalize) {
    ImramScoreSettings s;
    s.t2i = t2i, s.i2t = i2t, s.memory = true, s.normalize_memory = normalize, s.steps = K, s.lambda = 9.0;
    return s;
}

ImramScoreSettings scan(bool t2i, Pool pool) {
    ImramScoreSettings s;
    s.t2i = t2i, s.i2t = !t2i, s.memory = false, s.steps = 1, s.lambda = t2i ? 9.0 : 4.0;
    s.pool = pool, s.lambda_lse = 6.0;
    return s;
}

}  // namespace

IMRAM_OP_CASE({"imram_score_all", "full IMRAM, K 3", inputs(3, 4, 5, 4, 6),
               scorer({4, 1, 3, 2, 4}, imram_mode(3, true, true, true)), false});
// One query caption against its candidates (re-ranking): the CPU kernel stacks the per-pair
// projections of a group of images into one GEMM, here with a partial last group.
IMRAM_OP_CASE({"imram_score_all", "full IMRAM, K 3, one caption, seven images", inputs(7, 4, 1, 5, 6),
               scorer({5}, imram_mode(3, true, true, true)), false});
IMRAM_OP_CASE({"imram_score_all", "full IMRAM, K 4, two captions, nine images", inputs(9, 3, 2, 4, 5),
               scorer({2, 4}, imram_mode(4, true, true, false)), false});
IMRAM_OP_CASE({"imram_score_all", "full IMRAM, K 2, no memory norm", inputs(2, 5, 4, 3, 5),
               scorer({3, 2, 1, 3}, imram_mode(2, true, true, false)), false});
IMRAM_OP_CASE({"imram_score_all", "text IMRAM, K 3", inputs(3, 3, 4, 5, 4),
               scorer({5, 2, 4, 1}, imram_mode(3, true, false, true)), false});
IMRAM_OP_CASE({"imram_score_all", "image IMRAM, K 3", inputs(2, 4, 3, 4, 6),
               scorer({2, 4, 3}, imram_mode(3, false, true, true)), false});
IMRAM_OP_CASE({"imram_score_all", "SCAN t2i, mean", inputs(3, 4, 4, 3, 5), scorer({3, 1, 2, 3}, scan(true, Pool::Mean)),
               false});
IMRAM_OP_CASE({"imram_score_all", "SCAN t2i, max", inputs(2, 4, 3, 4, 5), scorer({4, 2, 1}, scan(true, Pool::Max)),
               false});
IMRAM_OP_CASE({"imram_score_all", "SCAN i2t, LogSumExp", inputs(3, 4, 4, 3, 5),
               scorer({3, 1, 2, 3}, scan(false, Pool::LogSumExp)), false});
IMRAM_OP_CASE({"imram_score_all", "SCAN i2t, sum", inputs(2, 3, 3, 4, 5), scorer({1, 4, 2}, scan(false, Pool::Sum)),
               false});
// More captions than one chunk (32) and more images than one block (16) of the cpu and CUDA kernels.
IMRAM_OP_CASE({"imram_score_all", "several caption chunks and image blocks", inputs(18, 3, 37, 4, 4),
               scorer(cycling_lengths(37, 4), imram_mode(2, true, true, true)), false});

TEST_CASE("imram_score_all: rows past a caption's length are never read as values", "[ops]") {
    // NaN in every pad row: a kernel that multiplies a pad by a zero weight, or pools over it, turns
    // the score into NaN; the scores must equal those with zero pads.
    const std::int64_t Ni = 3, R = 4, Nc = 4, L = 5, D = 6;
    const std::vector<std::int64_t> lengths = {2, 5, 1, 3};
    std::vector<double> caps(Nc * L * D);
    for (std::size_t e = 0; e < caps.size(); ++e) caps[e] = std::sin(0.7 * static_cast<double>(e) + 0.3);
    std::vector<double> nan_pads = caps, zero_pads = caps;
    for (std::int64_t j = 0; j < Nc; ++j)
        for (std::int64_t l = lengths[j]; l < L; ++l)
            for (std::int64_t k = 0; k < D; ++k) {
                nan_pads[(j * L + l) * D + k] = std::numeric_limits<double>::quiet_NaN();
                zero_pads[(j * L + l) * D + k] = 0.0;
            }
    std::vector<double> imgs(Ni * R * D), w(D * 2 * D), b(D);
    for (std::size_t e = 0; e < imgs.size(); ++e) imgs[e] = std::cos(1.3 * static_cast<double>(e));
    for (std::size_t e = 0; e < w.size(); ++e) w[e] = 0.3 * std::sin(2.1 * static_cast<double>(e) + 1.0);
    for (std::size_t e = 0; e < b.size(); ++e) b[e] = 0.1 * static_cast<double>(e) - 0.2;
    for (Device dev : {Device::ref(), Device::cpu(), Device::cuda_emulated()}) {
        for (DType dt : {DType::F64, DType::F32}) {
            auto t = [&](const std::vector<double>& v, Shape s) { return from_vector(v, s).to(dt).to(dev); };
            const MemoryUnitWeights unit{t(w, {D, 2 * D}), t(b, {D}), t(w, {D, 2 * D}), t(b, {D})};
            for (const ImramScoreSettings& s : {imram_mode(3, true, true, true), scan(true, Pool::Max), scan(false, Pool::Mean)}) {
                const Tensor with_nan = imram_score_all(t(imgs, {Ni, R, D}), t(nan_pads, {Nc, L, D}), lengths, unit, unit, s);
                const Tensor with_zero = imram_score_all(t(imgs, {Ni, R, D}), t(zero_pads, {Nc, L, D}), lengths, unit, unit, s);
                INFO(dev << " " << dt << " t2i " << s.t2i << " i2t " << s.i2t);
                for (double v : with_nan.to(DType::F64).to_vector<double>()) REQUIRE(std::isfinite(v));
                CHECK(diff(with_nan, with_zero).max_abs == 0.0);
            }
        }
    }
}

TEST_CASE("imram_score_all: says what it expects", "[ops][errors]") {
    using Catch::Contains;
    const Tensor img = zeros({2, 3, 4}), cap = zeros({2, 5, 4});
    const MemoryUnitWeights none;
    const ImramScoreSettings sc = scan(true, Pool::Mean);
    CHECK_THROWS_WITH(imram_score_all(img, zeros({2, 5, 3}), {5, 5}, none, none, sc), Contains("of one D"));
    CHECK_THROWS_WITH(imram_score_all(img, cap, {5}, none, none, sc), Contains("1 lengths for 2 captions"));
    CHECK_THROWS_WITH(imram_score_all(img, cap, {5, 6}, none, none, sc), Contains("expected 1 to 5"));
    CHECK_THROWS_WITH(imram_score_all(img, cap, {0, 5}, none, none, sc), Contains("expected 1 to 5"));
    ImramScoreSettings off = sc;
    off.t2i = off.i2t = false;
    CHECK_THROWS_WITH(imram_score_all(img, cap, {5, 5}, none, none, off), Contains("no direction"));
    // IMRAM with K >= 2 needs the memory units of the directions it scores, of the right shape.
    CHECK_THROWS_WITH(imram_score_all(img, cap, {5, 5}, none, none, imram_mode(2, true, false, true)),
                      Contains("t2i memory unit needs its linear_weight"));
    const MemoryUnitWeights bad{zeros({4, 4}), zeros({4}), zeros({4, 8}), zeros({4})};
    CHECK_THROWS_WITH(imram_score_all(img, cap, {5, 5}, none, bad, imram_mode(2, false, true, true)),
                      Contains("i2t linear_weight: expected shape"));
    // K = 1 or SCAN: no memory unit is read, none is needed.
    CHECK(imram_score_all(img, cap, {5, 5}, none, none, imram_mode(1, true, true, true)).shape() == Shape{2, 2});
}
