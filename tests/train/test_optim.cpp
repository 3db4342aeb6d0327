// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cmath>

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
