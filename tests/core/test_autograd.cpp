// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include "core/autograd.h"
#include "core/ops.h"

using namespace imram;

TEST_CASE("autograd: gradients accumulate into leaves across backward calls", "[core][autograd]") {
    Tensor x = from_vector<double>({1, 2, 3}, {3}, Device::ref()).set_requires_grad();
    sum(mul(x, x)).backward();
    CHECK(x.grad().to_vector<double>() == std::vector<double>{2, 4, 6});
    sum(x).backward();
    CHECK(x.grad().to_vector<double>() == std::vector<double>{3, 5, 7});
    x.zero_grad();
    CHECK_FALSE(x.grad().defined());
}

TEST_CASE("autograd: a leaf's gradient is summed in place only when nobody else holds it", "[core][autograd]") {
    for (const Device dev : {Device::ref(), Device::cpu()}) {
        Tensor x = from_vector<float>({1, 2, 3}, {3}, dev).set_requires_grad();
        // One backward where x is used at several nodes (as a recurrent weight is): every use adds into
        // the same buffer after the first.
        sum(add(mul(x, 2.0), add(mul(x, x), x))).backward();
        CHECK(x.grad().to_vector<float>() == std::vector<float>{5, 7, 9});  // 2 + 2x + 1
        const void* before = x.grad().raw_data();
        sum(x).backward();
        CHECK(x.grad().to_vector<float>() == std::vector<float>{6, 8, 10});
        CHECK(x.grad().raw_data() == before);  // summed in place: nobody held the gradient
        // A gradient the caller holds is left as it was: the sum goes to a new buffer.
        const Tensor held = x.grad();
        sum(mul(x, 3.0)).backward();
        CHECK(held.to_vector<float>() == std::vector<float>{6, 8, 10});
        CHECK(x.grad().to_vector<float>() == std::vector<float>{9, 11, 13});
        // So is one seen through a view of its storage.
        const Tensor view = reshape(x.grad(), {3, 1});
        sum(x).backward();
        CHECK(view.to_vector<float>() == std::vector<float>{9, 11, 13});
        CHECK(x.grad().to_vector<float>() == std::vector<float>{10, 12, 14});
    }
}

TEST_CASE("autograd: shared subexpressions sum their contributions", "[core][autograd]") {
    Tensor x = from_vector<double>({0.5, -1.5}, {2}, Device::ref()).set_requires_grad();
    Tensor y = tanh(x);            // used twice
    Tensor z = add(mul(y, y), y);  // dz/dx = (2y + 1)(1 - y^2)
    sum(z).backward();
    for (int i = 0; i < 2; ++i) {
        const double yv = std::tanh(x.at(i));
        CHECK(x.grad().at(i) == Approx((2 * yv + 1) * (1 - yv * yv)));
    }
}

TEST_CASE("autograd: seed gradient for non-scalar outputs", "[core][autograd]") {
    Tensor x = from_vector<float>({1, 2}, {2}).set_requires_grad();
    Tensor y = mul(x, 3.0);
    CHECK_THROWS_WITH(y.backward(), Catch::Contains("one-element") && Catch::Contains("seed"));
    y.backward(from_vector<float>({1, 10}, {2}));
    CHECK(x.grad().to_vector<float>() == std::vector<float>{3, 30});
    CHECK_THROWS_WITH(mul(x, 2.0).backward(ones({3})), Catch::Contains("does not match"));
}

TEST_CASE("autograd: NoGradGuard records nothing", "[core][autograd]") {
    Tensor x = ones({2}).set_requires_grad();
    Tensor y;
    {
        NoGradGuard g;
        CHECK_FALSE(autograd::grad_enabled());
        y = mul(x, x);
    }
    CHECK(autograd::grad_enabled());
    CHECK_FALSE(y.requires_grad());
    CHECK_THROWS_WITH(sum(y).backward(), Catch::Contains("does not require grad"));
}

TEST_CASE("autograd: a second backward without retain_graph fails clearly", "[core][autograd][errors]") {
    Tensor x = from_vector<float>({1, 2}, {2}).set_requires_grad();
    Tensor loss = sum(exp(x));
    loss.backward();
    CHECK_THROWS_WITH(loss.backward(), Catch::Contains("second time") && Catch::Contains("retain_graph"));

    Tensor loss2 = sum(exp(x));
    x.zero_grad();
    loss2.backward(Tensor(), /*retain_graph=*/true);
    loss2.backward();
    CHECK(x.grad().at(0) == Approx(2 * std::exp(1.0)));
}

TEST_CASE("autograd: misuse is reported", "[core][autograd][errors]") {
    Tensor i = arange(3);
    CHECK_THROWS_WITH(i.set_requires_grad(), Catch::Contains("floating"));
    Tensor x = ones({2}).set_requires_grad();
    Tensor y = mul(x, 2.0);
    CHECK_THROWS_WITH(y.set_requires_grad(), Catch::Contains("leaf"));
    // detach cuts history
    Tensor d = y.detach();
    CHECK_FALSE(d.requires_grad());
    CHECK(d.is_leaf());
}

TEST_CASE("autograd: the graph is freed with its outputs", "[core][autograd]") {
    Tensor x = ones({4}).set_requires_grad();
    const std::size_t before = autograd::tape_size();
    {
        Tensor y = sum(exp(mul(x, 2.0)));
        CHECK(autograd::tape_size() >= before + 3);
    }
    CHECK(autograd::tape_size() == before);
}

TEST_CASE("autograd: leaf used directly as the root", "[core][autograd]") {
    Tensor x = from_vector<float>({4}, {1}).set_requires_grad();
    x.backward();
    CHECK(x.grad().item<float>() == 1);
}
