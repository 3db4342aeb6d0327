// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "base/check.h"
#include "core/ops.h"
#include "nn/safetensors.h"
#include "tests/testing/compare.h"
#include "train/optim.h"

using namespace imram;
using namespace imram::train;

TEST_CASE("Adam: matches torch.optim.Adam over several steps", "[train][golden]") {
    const nn::TensorFile g = nn::load_safetensors(IMRAM_TEST_DATA_DIR "/adam_golden.safetensors");
    for (Device dev : {Device::ref(), Device::cpu()}) {
        Tensor p = g.find("init")->to(dev).clone().detach().set_requires_grad();
        Adam opt({&p}, AdamOptions{0.01});
        const Tensor grads = *g.find("grads");
        for (std::int64_t s = 0; s < grads.size(0); ++s) {
            opt.zero_grad();
            p.backward(contiguous(squeeze(slice(grads, 0, s, s + 1), 0)).to(dev));
            opt.step();
        }
        INFO("device " << dev);
        CHECK(testing::diff(p, *g.find("final")).max_abs < 1e-14);
        CHECK(opt.steps() == grads.size(0));
    }
}

TEST_CASE("Adam: cpu and ref kernels agree bitwise in f32, and grad_scale equals scaled gradients", "[train]") {
    Tensor p1 = randn({1000, 37}, 1).set_requires_grad();
    Tensor p2 = p1.detach().to(Device::ref()).clone().detach().set_requires_grad();
    Tensor p3 = p1.detach().clone().detach().set_requires_grad();
    Adam a1({&p1}), a2({&p2}), a3({&p3});
    for (int s = 0; s < 3; ++s) {
        Tensor g = randn({1000, 37}, 10 + s);
        p1.zero_grad(), p2.zero_grad(), p3.zero_grad();
        p1.backward(g);
        p2.backward(g.to(Device::ref()));
        p3.backward(mul(g, 2.0));
        a1.step();
        a2.step();
        a3.step(0.5);
    }
    CHECK(testing::diff(p1, p2).max_abs == 0);
    CHECK(testing::diff(p1, p3).max_abs == 0);
}

namespace {
Tensor step_slice(const Tensor& t, std::int64_t s) { return contiguous(squeeze(slice(t, 0, s, s + 1), 0)); }

// The fixture's tensor "<prefix>.p<j>".
const Tensor& golden(const nn::TensorFile& g, const char* prefix, int j) {
    std::string name = prefix;
    name += ".p";
    name += std::to_string(j);
    const Tensor* t = g.find(name);
    IMRAM_CHECK(t != nullptr, "sgd_golden.safetensors has no ", name);
    return *t;
}

struct SgdGoldenConfig {
    const char* name;
    std::vector<double> lr;  // per step
    SgdOptions opt;
    double max_norm;  // 0: no clipping
};
}  // namespace

// tests/fixtures/sgd_golden.safetensors: tools/make_sgd_golden.py, torch.optim.SGD in f64.
TEST_CASE("Sgd: matches torch.optim.SGD over five steps (momentum, weight decay, Nesterov, clipping)",
          "[train][golden][sgd]") {
    const nn::TensorFile g = nn::load_safetensors(IMRAM_TEST_DATA_DIR "/sgd_golden.safetensors");
    const std::vector<SgdGoldenConfig> configs = {
        {"nesterov_wd", {0.1, 0.1, 0.1, 0.1, 0.1}, SgdOptions{0.1, 0.9, 1e-4, true}, 0},
        {"momentum", {0.1, 0.1, 0.1, 0.1, 0.1}, SgdOptions{0.1, 0.9, 0.0, false}, 0},
        {"plain_wd", {0.1, 0.1, 0.1, 0.1, 0.1}, SgdOptions{0.1, 0.0, 1e-4, false}, 0},
        {"camp_clip", {0.1, 0.1, 0.1, 0.01, 0.01}, SgdOptions{0.1, 0.9, 1e-4, true}, 2.0},
    };
    constexpr int kParams = 3, kSteps = 5;
    for (const SgdGoldenConfig& c : configs) {
        for (Device dev : {Device::cpu(), Device::cuda_emulated()}) {
            INFO("config " << c.name << ", device " << dev);
            std::vector<Tensor> p;
            for (int j = 0; j < kParams; ++j)
                p.push_back(golden(g, "init", j).to(dev).clone().detach().set_requires_grad());
            std::vector<Tensor*> ptrs;
            for (Tensor& t : p) ptrs.push_back(&t);
            Sgd opt(ptrs, c.opt);
            for (std::int64_t s = 0; s < kSteps; ++s) {
                INFO("step " << s);
                opt.set_lr(c.lr[static_cast<std::size_t>(s)]);
                opt.zero_grad();
                for (int j = 0; j < kParams; ++j) {
                    if (golden(g, "has_grad", j).to_vector<std::int64_t>()[static_cast<std::size_t>(s)] != 0)
                        p[static_cast<std::size_t>(j)].backward(step_slice(golden(g, "grads", j), s).to(dev));
                }
                opt.step(c.max_norm > 0 ? clip_grad_norm(ptrs, c.max_norm).scale : 1.0);
                for (int j = 0; j < kParams; ++j) {
                    INFO("parameter p" << j);
                    const Tensor want = step_slice(golden(g, c.name, j), s);
                    CHECK(testing::diff(p[static_cast<std::size_t>(j)], want).max_abs < 1e-12);
                }
            }
            CHECK(opt.steps() == kSteps);
            // Buffers exist exactly where torch has them: with momentum, for every parameter that got a
            // gradient (p2's first one came at step 1); never without momentum.
            for (const Tensor& b : opt.momentum_buffers()) CHECK(b.defined() == (c.opt.momentum != 0));
        }
    }
}

TEST_CASE("Sgd: ref, cpu and cuda_emulated agree bitwise in f32, and grad_scale equals scaled gradients",
          "[train][sgd]") {
    const SgdOptions o{0.05, 0.9, 1e-4, true};
    Tensor p1 = randn({1000, 37}, 3).set_requires_grad();
    Tensor p2 = p1.detach().to(Device::ref()).clone().detach().set_requires_grad();
    Tensor p3 = p1.detach().to(Device::cuda_emulated()).clone().detach().set_requires_grad();
    Tensor p4 = p1.detach().clone().detach().set_requires_grad();
    Sgd s1({&p1}, o), s2({&p2}, o), s3({&p3}, o), s4({&p4}, o);
    for (int s = 0; s < 3; ++s) {
        Tensor g = randn({1000, 37}, 20 + s);
        p1.zero_grad(), p2.zero_grad(), p3.zero_grad(), p4.zero_grad();
        p1.backward(g);
        p2.backward(g.to(Device::ref()));
        p3.backward(g.to(Device::cuda_emulated()));
        p4.backward(mul(g, 2.0));
        s1.step();
        s2.step();
        s3.step();
        s4.step(0.5);
    }
    CHECK(testing::diff(p1, p2).max_abs == 0);
    CHECK(testing::diff(p1, p3).max_abs == 0);
    CHECK(testing::diff(p1, p4).max_abs == 0);
    CHECK(testing::diff(s1.momentum_buffers()[0], s3.momentum_buffers()[0]).max_abs == 0);
}

TEST_CASE("Sgd: a parameter's momentum buffer is created at its own first gradient; restored state resumes",
          "[train][sgd]") {
    Tensor a = zeros({3}, DType::F64).set_requires_grad(), b = zeros({2}, DType::F64).set_requires_grad();
    Sgd opt({&a, &b}, SgdOptions{0.1, 0.9, 1e-4, true});
    a.backward(full({3}, 1.0, DType::F64));
    opt.step();
    CHECK(opt.momentum_buffers()[0].defined());
    CHECK_FALSE(opt.momentum_buffers()[1].defined());  // b had no gradient: skipped, as torch does
    // A copy of the optimizer restored from the state (what a checkpoint keeps) continues identically.
    Tensor a2 = a.detach().clone().set_requires_grad(), b2 = b.detach().clone().set_requires_grad();
    Sgd resumed({&a2, &b2}, opt.options());
    resumed.momentum_buffers()[0] = opt.momentum_buffers()[0].clone();
    resumed.set_steps(opt.steps());
    for (Tensor* t : {&a, &b, &a2, &b2}) {
        t->zero_grad();
        t->backward(full(t->shape(), -0.5, DType::F64));
    }
    opt.step();
    resumed.step();
    CHECK(testing::diff(a, a2).max_abs == 0);
    CHECK(testing::diff(b, b2).max_abs == 0);
    CHECK(resumed.steps() == 2);
    // b's first step: buf = g + wd b = g, then Nesterov g + 0.9 g.
    CHECK(b.to_vector<double>()[0] == Approx(0.1 * 0.5 * 1.9).epsilon(1e-14));
}

TEST_CASE("Sgd: refuses what torch.optim.SGD refuses, and says what it expects", "[train][sgd]") {
    Tensor p = zeros({2}).set_requires_grad();
    CHECK_THROWS_WITH(Sgd({&p}, SgdOptions{-0.1, 0.9, 0.0, false}), Catch::Contains("lr >= 0"));
    CHECK_THROWS_WITH(Sgd({&p}, SgdOptions{0.1, -0.5, 0.0, false}), Catch::Contains("momentum >= 0"));
    CHECK_THROWS_WITH(Sgd({&p}, SgdOptions{0.1, 0.9, -1e-4, false}), Catch::Contains("weight_decay >= 0"));
    CHECK_THROWS_WITH(Sgd({&p}, SgdOptions{0.1, 0.0, 0.0, true}),
                      Catch::Contains("Nesterov momentum needs momentum > 0"));
    Sgd ok({&p}, SgdOptions{0.1, 0.9, 1e-4, true});
    CHECK_THROWS_WITH(ok.set_lr(-1.0), Catch::Contains("lr >= 0"));
    // The op itself checks the same settings.
    Tensor q = zeros({2}), buf = zeros({2});
    CHECK_THROWS_WITH(sgd_step_(q, zeros({2}), buf, SgdStep{-1e-3, 0.9, 0.0, false, 1.0, true}),
                      Catch::Contains("need lr >= 0"));
    CHECK_THROWS_WITH(sgd_step_(q, zeros({2}), buf, SgdStep{1e-3, 0.0, 0.0, true, 1.0, true}),
                      Catch::Contains("Nesterov momentum needs momentum > 0"));
}

TEST_CASE("clip_grad_norm: global norm and PyTorch's clipping factor", "[train]") {
    Tensor a = zeros({2}).set_requires_grad(), b = zeros({1}).set_requires_grad(), c = zeros({3}).set_requires_grad();
    a.backward(from_vector<float>({3, 0}, {2}));
    b.backward(from_vector<float>({4}, {1}));
    const GradClip big = clip_grad_norm({&a, &b, &c}, 2.0);  // c has no gradient and is skipped
    CHECK(big.total_norm == Approx(5.0));
    CHECK(big.scale == Approx(2.0 / (5.0 + 1e-6)));
    const GradClip small = clip_grad_norm({&a, &b}, 10.0);
    CHECK(small.scale == 1.0);
    CHECK_THROWS_WITH(clip_grad_norm({&a}, 0), Catch::Contains("max_norm"));
}

TEST_CASE("step_decay_lr: lr0 * 0.1^(epoch / lr_update)", "[train]") {
    CHECK(step_decay_lr(2e-4, 0, 15) == 2e-4);
    CHECK(step_decay_lr(2e-4, 14, 15) == 2e-4);
    CHECK(step_decay_lr(2e-4, 15, 15) == Approx(2e-5));
    CHECK(step_decay_lr(5e-4, 25, 10) == Approx(5e-6));
}
