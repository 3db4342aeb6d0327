// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cmath>

#include "core/ops.h"
#include "nn/layers.h"
#include "nn/safetensors.h"
#include "tests/testing/compare.h"
#include "tests/testing/gradcheck.h"

using namespace imram;
using namespace imram::nn;
using namespace imram::testing;

namespace {
struct Tower : Module {
    Philox rng{3};
    Linear fc{4, 3, true, rng};
    Embedding embed{10, 4, rng};
    GRU rnn{4, 2, true, rng};
    Tower() {
        register_module("fc", fc);
        register_module("embed", embed);
        register_module("rnn", rnn);
    }
};
}  // namespace

TEST_CASE("module: hierarchical parameter names in registration order", "[nn]") {
    Tower t;
    std::vector<std::string> names;
    for (auto& [n, p] : t.named_parameters()) names.push_back(n);
    CHECK(names == std::vector<std::string>{"fc.weight", "fc.bias", "embed.weight", "rnn.weight_ih_l0",
                                            "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                                            "rnn.weight_ih_l0_reverse", "rnn.weight_hh_l0_reverse",
                                            "rnn.bias_ih_l0_reverse", "rnn.bias_hh_l0_reverse"});
    CHECK(t.num_parameters() == 12 + 3 + 40 + 2 * (24 + 12 + 6 + 6));
    for (Tensor* p : t.parameters()) CHECK(p->requires_grad());
    t.eval();
    CHECK_FALSE(t.fc.training());
}

TEST_CASE("layers: initialisation ranges follow PyTorch", "[nn]") {
    Philox rng(1);
    Linear fc(2048, 1024, true, rng);
    const double r = 1.0 / std::sqrt(2048.0);
    CHECK(max(reshape(fc.weight, {-1}), 0).values.item<double>() <= r);
    CHECK(max(reshape(fc.weight, {-1}), 0).values.item<double>() > 0.99 * r);
    Embedding e(100, 300, rng);
    CHECK(max(reshape(e.weight, {-1}), 0).values.item<double>() <= 0.1);
    GRU g(300, 64, true, rng);
    CHECK(max(reshape(g.bwd.w_hh, {-1}), 0).values.item<double>() <= 0.125);
    // Same seed, same parameters.
    Philox rng2(1);
    Linear fc2(2048, 1024, true, rng2);
    CHECK(diff(fc.weight, fc2.weight).max_abs == 0);
}

TEST_CASE("GRU: matches PyTorch's packed bidirectional GRU, outputs and gradients", "[nn][golden]") {
    const TensorFile g = load_safetensors(IMRAM_TEST_DATA_DIR "/gru_golden.safetensors");
    const Tensor x0 = *g.find("x");
    const std::int64_t I = x0.size(2), H = g.find("param.weight_hh_l0")->size(1);
    for (Device dev : {Device::ref(), Device::cpu()}) {
        Philox rng(0);
        GRU gru(I, H, true, rng, DType::F64, dev);
        TensorFile params;
        for (const auto& [n, t] : g.tensors)
            if (n.rfind("param.", 0) == 0) params.tensors.emplace_back(n.substr(6), t);
        load_state_dict(gru, params, true, "gru_golden");
        Tensor x = x0.to(dev).clone().detach().set_requires_grad();
        const std::vector<std::int64_t> lengths = g.find("lengths")->to_vector<std::int64_t>();
        Tensor out = gru.forward(x, lengths);
        INFO("device " << dev);
        CHECK(diff(out, *g.find("out")).max_abs < 1e-12);
        sum(mul(out, g.find("w")->to(dev))).backward();
        CHECK(diff(x.grad(), *g.find("grad.x")).max_abs < 1e-12);
        for (auto& [n, p] : gru.named_parameters()) {
            INFO("gradient of " << n);
            CHECK(diff(p->grad(), *g.find("grad." + n)).max_abs < 1e-12);
        }
    }
}

TEST_CASE("LayerNorm: matches PyTorch's nn.LayerNorm, outputs and gradients", "[nn][golden]") {
    const TensorFile g = load_safetensors(IMRAM_TEST_DATA_DIR "/layer_norm_golden.safetensors");
    const Tensor x0 = *g.find("x");
    for (Device dev : {Device::ref(), Device::cpu(), Device::cuda_emulated()}) {
        LayerNorm ln(x0.size(1), 1e-5, DType::F64, dev);
        CHECK(ln.weight.to_vector<double>() == std::vector<double>(static_cast<std::size_t>(x0.size(1)), 1.0));
        TensorFile params;
        for (const auto& [n, t] : g.tensors)
            if (n.rfind("param.", 0) == 0) params.tensors.emplace_back(n.substr(6), t);
        load_state_dict(ln, params, true, "layer_norm_golden");
        Tensor x = x0.to(dev).clone().detach().set_requires_grad();
        const Tensor y = ln.forward(x);
        INFO("device " << dev);
        CHECK(diff(y, *g.find("y")).max_abs < 1e-12);
        sum(mul(y, g.find("w")->to(dev))).backward();
        CHECK(diff(x.grad(), *g.find("grad.x")).rel() < 1e-10);
        CHECK(diff(ln.weight.grad(), *g.find("grad.weight")).max_abs < 1e-12);
        CHECK(diff(ln.bias.grad(), *g.find("grad.bias")).max_abs < 1e-12);
    }
}

TEST_CASE("GRU: padded outputs are exactly zero and padding does not leak", "[nn]") {
    Philox rng(5);
    GRU gru(3, 4, true, rng, DType::F64, Device::ref());
    Tensor x = randn({2, 4, 3}, 9, 0, DType::F64, Device::ref());
    Tensor out = gru.forward(x, {4, 2});
    for (std::int64_t t = 2; t < 4; ++t)
        for (std::int64_t h = 0; h < 4; ++h) CHECK(out.at((1 * 4 + t) * 4 + h) == 0.0);
    // Sequence 1 alone, cut to its length, gives the same outputs.
    Tensor alone = gru.forward(contiguous(slice(slice(x, 0, 1, 2), 1, 0, 2)), {2});
    CHECK(diff(alone, contiguous(slice(slice(out, 0, 1, 2), 1, 0, 2))).max_abs < 1e-14);
}

TEST_CASE("GRU: finite-difference gradcheck through the recurrence", "[nn]") {
    Philox rng(2);
    GRU gru(2, 3, true, rng, DType::F64, Device::ref());
    Tensor x = randn({2, 3, 2}, 4, 0, DType::F64, Device::ref()).set_requires_grad();
    Tensor w = randn({2, 3, 3}, 6, 0, DType::F64, Device::ref());
    std::vector<Tensor*> wrt = gru.parameters();
    wrt.push_back(&x);
    const GradcheckResult r = gradcheck([&] { return sum(mul(gru.forward(x, {3, 2}), w)); }, wrt);
    INFO(r.first_failure);
    CHECK(r.ok);
    CHECK(r.checked == gru.num_parameters() + x.numel());
}

TEST_CASE("layers: bad arguments are reported", "[nn][errors]") {
    Philox rng(1);
    GRU gru(3, 4, true, rng);
    CHECK_THROWS_WITH(gru.forward(zeros({2, 5, 3}), {5}), Catch::Contains("1 lengths for a batch of 2"));
    CHECK_THROWS_WITH(gru.forward(zeros({1, 5, 3}), {6}), Catch::Contains("length 6"));
    CHECK_THROWS_WITH(gru.forward(zeros({1, 5, 2}), {5}), Catch::Contains("GRU") && Catch::Contains("[1, 5, 2]"));
    CHECK_THROWS_WITH(Linear(0, 3, true, rng), Catch::Contains("Linear"));
}
