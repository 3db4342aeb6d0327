// SPDX-License-Identifier: MIT
// End-to-end check of the engine: a 2-layer network trained with plain SGD on generated data must
// reduce its loss at least tenfold.
#include <catch2/catch.hpp>

#include "core/autograd.h"
#include "core/ops.h"

using namespace imram;

TEST_CASE("train: 2-layer MLP with SGD cuts the loss at least 10x", "[train]") {
    const std::int64_t N = 256, Din = 8, H = 32, Dout = 2;
    // Targets from a fixed smooth function of the inputs: y = [sin-like tanh(x W1*), x . v].
    Tensor x = randn({N, Din}, 1);
    Tensor w_true = randn({Dout, Din}, 2);
    Tensor y = tanh(linear(x, w_true));

    Tensor w1 = mul(randn({H, Din}, 3), 0.3).detach().set_requires_grad();
    Tensor b1 = zeros({H}).set_requires_grad();
    Tensor w2 = mul(randn({Dout, H}, 4), 0.2).detach().set_requires_grad();
    Tensor b2 = zeros({Dout}).set_requires_grad();
    std::vector<Tensor*> params = {&w1, &b1, &w2, &b2};

    auto loss_fn = [&] {
        Tensor pred = linear(tanh(linear(x, w1, b1)), w2, b2);
        Tensor err = sub(pred, y);
        return mean(mul(err, err));
    };
    const double first = loss_fn().item<double>();
    double last = first;
    for (int step = 0; step < 600; ++step) {
        Tensor loss = loss_fn();
        for (Tensor* p : params) p->zero_grad();
        loss.backward();
        NoGradGuard g;
        for (Tensor* p : params) *p = sub(*p, mul(p->grad(), 0.5)).set_requires_grad();
        last = loss.item<double>();
    }
    INFO("loss " << first << " -> " << last);
    CHECK(last * 10 < first);
}
