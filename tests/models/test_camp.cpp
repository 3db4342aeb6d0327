// SPDX-License-Identifier: MIT
// CAMP on the engine (models/camp): against the PyTorch reference (tools/camp_reference.py, written
// from the spec and following the official code's padded, expanded layout): the encoders, the score
// matrix, the hardest-negative BCE, every parameter's gradient, 5 Adam steps with clipping; and the
// sparse backward of the loss against the dense one.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/autograd.h"
#include "core/ops.h"
#include "models/camp/model.h"
#include "models/hardest_negative_bce.h"
#include "nn/safetensors.h"
#include "tests/testing/compare.h"
#include "train/optim.h"

using namespace imram;
using namespace imram::models;

namespace {

nn::TensorFile golden() { return nn::load_safetensors(IMRAM_TEST_DATA_DIR "/camp_golden.safetensors"); }

CampConfig config_of(const nn::TensorFile& g, CampMode mode) {
    CampConfig c;
    c.mode = mode;
    c.vocab_size = std::stoll(g.metadata.at("vocab")), c.word_dim = std::stoll(g.metadata.at("word_dim"));
    c.img_dim = std::stoll(g.metadata.at("img_dim")), c.embed_size = std::stoll(g.metadata.at("embed_size"));
    return c;
}

struct Setup {
    std::unique_ptr<CampModel> model;
    Tensor images, captions;
    std::vector<std::int64_t> lengths;
};

Setup build(const nn::TensorFile& g, CampMode mode, DType dt, Device dev) {
    Setup s;
    s.model = std::make_unique<CampModel>(config_of(g, mode), 0, dt, dev);
    nn::TensorFile params;
    for (const auto& [n, t] : g.tensors)
        if (n.rfind("param.", 0) == 0) params.tensors.emplace_back(n.substr(6), t);
    nn::load_state_dict(*s.model, params, true, "camp_golden");
    s.images = g.find("input.images")->to(dt).to(dev);
    s.captions = g.find("input.captions")->to(dev);
    s.lengths = g.find("input.lengths")->to_vector<std::int64_t>();
    return s;
}

double rel(const Tensor& got, const Tensor& want) { return testing::diff(got, want).rel(); }

/// All B x B pairs scored with the tape, as a (B, B) matrix.
Tensor taped_matrix(const CampModel& m, const Encoded& e) {
    const std::int64_t n = e.images.size(0);
    std::vector<std::int64_t> ii, cc;
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < n; ++j) ii.push_back(i), cc.push_back(j);
    return reshape(m.score_pairs(e, ii, cc), {n, n});
}

const std::vector<std::pair<const char*, CampMode>> kVariants = {{"camp", CampMode::Gated},
                                                                  {"camp_xattn", CampMode::CrossAttention}};

}  // namespace

TEST_CASE("CAMP golden: encoders, scores, loss and every gradient match the PyTorch reference", "[models][golden]") {
    const nn::TensorFile g = golden();
    for (const auto& [name, mode] : kVariants) {
        for (DType dt : {DType::F64, DType::F32}) {
            DYNAMIC_SECTION(name << " " << dt) {
                const double tol = dt == DType::F64 ? 1e-10 : 2e-5;
                Setup s = build(g, mode, dt, Device::cpu());
                const Encoded e = s.model->encode(s.images, s.captions, s.lengths);
                const std::string pre = std::string(name) + ".";
                const std::int64_t D = s.model->config().embed_size;
                CHECK(rel(slice(e.images, 2, 0, D), *g.find(pre + "encoded_images")) <= tol);
                CHECK(rel(slice(e.captions, 2, 0, D), *g.find(pre + "encoded_captions")) <= tol);
                const Tensor want_s = *g.find(pre + "scores");
                CHECK(rel(s.model->score_all(e), want_s) <= tol);
                const Tensor scores = taped_matrix(*s.model, e);
                CHECK(rel(scores, want_s) <= tol);
                const Tensor loss = hardest_negative_bce(scores);
                const double want_loss = g.find(pre + "loss")->item<double>();
                CHECK(std::fabs(loss.item<double>() - want_loss) / std::max(1.0, std::fabs(want_loss)) <= tol);
                loss.backward();
                // Gradients that are 0 in exact arithmetic (a softmax's shift, ReLU units off for every
                // pair) come out as rounding noise on both sides: held to the largest gradient's scale.
                double largest = 0;
                for (auto& [pname, param] : s.model->named_parameters())
                    largest = std::max(largest, testing::diff(*g.find(pre + "grad." + pname), zeros_like(*param)).max_abs);
                const double grad_tol = dt == DType::F64 ? 1e-9 : 1e-4;
                for (auto& [pname, param] : s.model->named_parameters()) {
                    const Tensor grad = param->grad().defined() ? param->grad() : zeros_like(*param);
                    const Tensor want = *g.find(pre + "grad." + pname);
                    INFO("gradient of " << pname << ": " << testing::describe_diff(testing::diff(grad, want), grad, want));
                    if (testing::diff(want, zeros_like(want)).max_abs == 0) CHECK(testing::diff(grad, want).max_abs == 0);
                    else CHECK((rel(grad, want) <= grad_tol || testing::diff(grad, want).max_abs <= grad_tol * 1e-3 * largest));
                }
            }
        }
    }
}

TEST_CASE("CAMP golden: 5 Adam steps with gradient clipping follow the reference losses", "[models][golden]") {
    const nn::TensorFile g = golden();
    const double lr = std::stod(g.metadata.at("lr")), clip = std::stod(g.metadata.at("grad_clip"));
    for (const auto& [name, mode] : kVariants) {
        DYNAMIC_SECTION(name) {
            Setup s = build(g, mode, DType::F64, Device::cpu());
            train::Adam opt(s.model->parameters(), train::AdamOptions{lr});
            const std::vector<double> want = g.find(std::string(name) + ".step_losses")->to_vector<double>();
            for (std::size_t step = 0; step < want.size(); ++step) {
                opt.zero_grad();
                const StepResult r = s.model->train_step(s.images, s.captions, s.lengths, StepOptions{});
                opt.step(train::clip_grad_norm(s.model->parameters(), clip).scale);
                INFO("step " << step << ": " << r.loss << " vs " << want[step]);
                CHECK(std::fabs(r.loss - want[step]) <= 1e-8 * std::max(1.0, std::fabs(want[step])));
            }
        }
    }
}

TEST_CASE("CAMP: the sparse BCE step equals backward of the dense loss", "[models]") {
    const nn::TensorFile g = golden();
    for (const auto& [name, mode] : kVariants) {
        for (bool max_violation : {true, false}) {
            DYNAMIC_SECTION(name << " max_violation " << max_violation) {
                Setup dense = build(g, mode, DType::F64, Device::cpu());
                Setup sparse = build(g, mode, DType::F64, Device::cpu());
                const std::int64_t n = static_cast<std::int64_t>(dense.lengths.size());
                NotNegative not_negative(static_cast<std::size_t>(n * n), 0);
                not_negative[1] = not_negative[n] = 1;  // images 0 and 1 share their captions
                const Encoded e = dense.model->encode(dense.images, dense.captions, dense.lengths);
                const Tensor loss = hardest_negative_bce(taped_matrix(*dense.model, e), max_violation, not_negative);
                loss.backward();
                StepOptions so;
                so.max_violation = max_violation, so.not_negative = not_negative, so.chunk_pairs = 3;
                const StepResult r = sparse.model->train_step(sparse.images, sparse.captions, sparse.lengths, so);
                CHECK(std::fabs(r.loss - loss.item<double>()) <= 1e-10 * std::max(1.0, std::fabs(r.loss)));
                CHECK(r.pairs_backpropagated <= (max_violation ? 3 * n : n * n));
                auto pd = dense.model->named_parameters();
                auto ps = sparse.model->named_parameters();
                for (std::size_t i = 0; i < pd.size(); ++i) {
                    const Tensor want = pd[i].second->grad().defined() ? pd[i].second->grad() : zeros_like(*pd[i].second);
                    const Tensor got = ps[i].second->grad().defined() ? ps[i].second->grad() : zeros_like(*ps[i].second);
                    INFO(pd[i].first << ": " << testing::describe_diff(testing::diff(got, want), got, want));
                    CHECK(testing::diff(got, want).max_abs <= 1e-10 * std::max(1.0, testing::diff(want, zeros_like(want)).max_abs));
                }
            }
        }
    }
}

TEST_CASE("CAMP: a caption's score does not depend on how far the batch pads it", "[models]") {
    const nn::TensorFile g = golden();
    for (const auto& [name, mode] : kVariants) {
        DYNAMIC_SECTION(name) {
            Setup s = build(g, mode, DType::F64, Device::cpu());
            NoGradGuard no_grad;
            const Tensor full = s.model->score_all(s.model->encode(s.images, s.captions, s.lengths));
            std::int64_t longest = 0;
            for (auto l : s.lengths) longest = std::max(longest, l);
            const Tensor tight = slice(s.captions, 1, 0, longest);  // padded to the longest caption only
            const Tensor short_pad = s.model->score_all(s.model->encode(s.images, tight, s.lengths));
            CHECK(testing::diff(short_pad, full).max_abs < 1e-12);
        }
    }
}

TEST_CASE("emulated CUDA: a CAMP training step matches the CPU backend", "[gpu]") {
    const nn::TensorFile g = golden();
    for (const auto& [name, mode] : kVariants) {
        DYNAMIC_SECTION(name) {
            Setup on_cpu = build(g, mode, DType::F64, Device::cpu());
            Setup on_emu = build(g, mode, DType::F64, Device::cuda_emulated());
            // Captions padded to the longest only (the scores do not depend on it): a quicker emulation.
            std::int64_t longest = 0;
            for (auto l : on_cpu.lengths) longest = std::max(longest, l);
            on_cpu.captions = slice(on_cpu.captions, 1, 0, longest).contiguous();
            on_emu.captions = slice(on_emu.captions, 1, 0, longest).contiguous();
            StepOptions so;
            so.chunk_pairs = 5;
            const StepResult rc = on_cpu.model->train_step(on_cpu.images, on_cpu.captions, on_cpu.lengths, so);
            const StepResult re = on_emu.model->train_step(on_emu.images, on_emu.captions, on_emu.lengths, so);
            CHECK(std::fabs(re.loss - rc.loss) <= 1e-10 * std::max(1.0, std::fabs(rc.loss)));
            CHECK(testing::diff(re.scores, rc.scores).max_abs <= 1e-12);
            auto pc = on_cpu.model->named_parameters();
            auto pe = on_emu.model->named_parameters();
            for (std::size_t i = 0; i < pc.size(); ++i) {
                REQUIRE(pe[i].second->device() == Device::cuda_emulated());
                const Tensor want = pc[i].second->grad().defined() ? pc[i].second->grad() : zeros_like(*pc[i].second);
                const Tensor got = pe[i].second->grad().defined() ? pe[i].second->grad() : zeros_like(*pe[i].second);
                INFO(pc[i].first << ": " << testing::describe_diff(testing::diff(got, want), got, want));
                CHECK(testing::diff(got, want).max_abs <= 1e-10 * std::max(1.0, testing::diff(want, zeros_like(want)).max_abs));
            }
        }
    }
}

TEST_CASE("CAMP: the BCE loss says what it expects", "[models][errors]") {
    CHECK_THROWS_WITH(hardest_negative_bce(zeros({2, 3})), Catch::Contains("square (B, B)"));
    CHECK_THROWS_WITH(hardest_negative_bce(zeros({3, 3}), true, NotNegative(4, 0)), Catch::Contains("B x B"));
    // Saturated scores are clamped: the loss is finite and its gradient is 0 there.
    const Tensor s = from_vector(std::vector<double>{1.0, 0.0, 0.5, 1.0}, {2, 2}).set_requires_grad();
    const Tensor l = hardest_negative_bce(s);
    CHECK(std::isfinite(l.item<double>()));
    l.backward();
    const std::vector<double> gs = s.grad().to_vector<double>();
    CHECK(gs[0] == 0.0);  // P_00 = 1 is clamped
    CHECK(gs[2] != 0.0);  // P_10 = 0.5 is a hardest negative inside the clamp
}
