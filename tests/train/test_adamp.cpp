// SPDX-License-Identifier: MIT
// AdamP (PCME's optimizer): against Adam where no projection fires, the projection's geometry, the
// golden steps of tools/make_adamp_golden.py, backends, and the cosine schedule.
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

TEST_CASE("AdamP: equals Adam when the gradients are far from orthogonal to the weights", "[train][adamp]") {
    // Gradients parallel to the weights (cos 1 per row): the projection never fires, so AdamP is Adam.
    Tensor a = randn({6, 5}, 1, 0, DType::F64).set_requires_grad();
    Tensor b = a.detach().clone().set_requires_grad();
    Tensor v1 = randn({7}, 2, 0, DType::F64).set_requires_grad();  // 1-D: never projected
    Tensor v2 = v1.detach().clone().set_requires_grad();
    Adam adam({&a, &v1}, AdamOptions{0.01});
    AdamP adamp({&b, &v2}, AdamPOptions{0.01});
    for (int s = 0; s < 4; ++s) {
        const Tensor g = mul(a.detach(), 0.5 + s), gv = randn({7}, 10 + s, 0, DType::F64);
        adam.zero_grad(), adamp.zero_grad();
        a.backward(g), b.backward(g), v1.backward(gv), v2.backward(gv);
        adam.step(), adamp.step();
        CHECK(adamp.last_projection(0) == AdamP::Projection::None);
    }
    CHECK(testing::diff(a, b).rel() < 1e-14);
    CHECK(testing::diff(v1, v2).rel() < 1e-14);
}

namespace {
const Tensor& adamp_golden(const nn::TensorFile& g, const std::string& name) {
    const Tensor* t = g.find(name);
    IMRAM_CHECK(t != nullptr, "adamp_golden.safetensors has no ", name);
    return *t;
}
Tensor at_step(const Tensor& t, std::int64_t s) { return contiguous(squeeze(slice(t, 0, s, s + 1), 0)); }
}  // namespace

// tests/fixtures/adamp_golden.safetensors: tools/make_adamp_golden.py, the equations in f64 (checked
// there against the adamp package, 0.3.0, to 1e-12).
TEST_CASE("AdamP: matches the reference over five steps (projections, weight decay, Nesterov, clipping)",
          "[train][golden][adamp]") {
    const nn::TensorFile g = nn::load_safetensors(IMRAM_TEST_DATA_DIR "/adamp_golden.safetensors");
    struct Config {
        const char* name;
        std::vector<double> lr;
        double weight_decay;
        bool nesterov;
        double max_norm;
    };
    const std::vector<double> flat(5, 0.01);
    const std::vector<Config> configs = {
        {"plain", flat, 0, false, 0},
        {"wd", flat, 1e-2, false, 0},
        {"nesterov", flat, 0, true, 0},
        {"clip_cosine", {cosine_lr(2e-2, 0, 5), cosine_lr(2e-2, 1, 5), cosine_lr(2e-2, 2, 5), cosine_lr(2e-2, 3, 5),
                         cosine_lr(2e-2, 4, 5)}, 0, false, 2.0},
    };
    constexpr int kParams = 4, kSteps = 5;
    for (const Config& c : configs) {
        for (Device dev : {Device::cpu(), Device::cuda_emulated()}) {
            INFO("config " << c.name << ", device " << dev);
            std::vector<Tensor> p;
            for (int j = 0; j < kParams; ++j)
                p.push_back(adamp_golden(g, "init.p" + std::to_string(j)).to(dev).clone().set_requires_grad());
            std::vector<Tensor*> ptrs;
            for (Tensor& t : p) ptrs.push_back(&t);
            AdamPOptions o;
            o.lr = c.lr[0], o.weight_decay = c.weight_decay, o.nesterov = c.nesterov;
            AdamP opt(ptrs, o);
            for (std::int64_t s = 0; s < kSteps; ++s) {
                INFO("step " << s);
                opt.set_lr(c.lr[static_cast<std::size_t>(s)]);
                opt.zero_grad();
                for (int j = 0; j < kParams; ++j) {
                    const std::string pj = ".p" + std::to_string(j);
                    if (adamp_golden(g, "has_grad" + pj).to_vector<std::int64_t>()[static_cast<std::size_t>(s)] != 0)
                        p[static_cast<std::size_t>(j)].backward(at_step(adamp_golden(g, "grads" + pj), s).to(dev));
                }
                opt.step(c.max_norm > 0 ? clip_grad_norm(ptrs, c.max_norm).scale : 1.0);
                for (int j = 0; j < kParams; ++j) {
                    const std::string pj = ".p" + std::to_string(j);
                    INFO("parameter p" << j);
                    CHECK(testing::diff(p[static_cast<std::size_t>(j)], at_step(adamp_golden(g, c.name + pj), s)).max_abs <
                          1e-12);
                    const std::int64_t want = adamp_golden(g, std::string(c.name) + ".projected" + pj)
                                                  .to_vector<std::int64_t>()[static_cast<std::size_t>(s)];
                    CHECK(static_cast<std::int64_t>(opt.last_projection(static_cast<std::size_t>(j))) == want);
                }
            }
            CHECK(opt.steps() == kSteps);
        }
    }
}

TEST_CASE("AdamP: a gradient orthogonal to every row moves the weights along their spheres", "[train][adamp]") {
    for (Device dev : {Device::ref(), Device::cpu(), Device::cuda_emulated()}) {
        INFO("device " << dev);
        const Tensor w0 = randn({4, 6}, 3, 0, DType::F64);
        Tensor w = w0.to(dev).clone().set_requires_grad();
        AdamP opt({&w}, AdamPOptions{0.05});
        // g = r - <r, w_row> w_row / ||w_row||^2 per row: orthogonal to each row, so |cos| = 0 < delta / sqrt(6).
        const Tensor r = randn({4, 6}, 4, 0, DType::F64);
        const Tensor g = sub(r, mul(w0, div(sum(mul(r, w0), {1}, true), sum(mul(w0, w0), {1}, true))));
        w.backward(g.to(dev));
        opt.step();
        CHECK(opt.last_projection(0) == AdamP::Projection::Channel);
        // The projected update is orthogonal to each row of the weights it was projected against, up to
        // the eps in w_n = w / (||w|| + eps): a radial residue of about lr ||u|| 2 eps / ||w|| ~ 1e-9.
        const Tensor dw = sub(w.detach().to(Device::cpu()), w0);
        const std::vector<double> radial = sum(mul(dw, div(w0, norm(w0, 1, true))), {1}).to_vector<double>();
        for (double x : radial) CHECK(std::abs(x) < 1e-8);
        CHECK(testing::diff(dw, zeros_like(dw)).max_abs > 1e-3);  // it did move
    }
}

TEST_CASE("AdamP: the layer view fires when one row is not orthogonal but the whole tensor is", "[train][adamp]") {
    // Row 0 gets a gradient parallel to it (cos 1 > delta / sqrt(n) for the channel view), the other
    // rows large orthogonal ones, so the whole tensor's cosine is tiny.
    const Tensor w0 = randn({5, 400}, 5, 0, DType::F64);
    Tensor w = w0.clone().set_requires_grad();
    const Tensor r = mul(randn({5, 400}, 6, 0, DType::F64), 100.0);
    Tensor g = sub(r, mul(w0, div(sum(mul(r, w0), {1}, true), sum(mul(w0, w0), {1}, true))));
    std::vector<double> gv = g.to_vector<double>(), wv = w0.to_vector<double>();
    for (int k = 0; k < 400; ++k) gv[k] = 1e-3 * wv[k];
    g = from_vector(gv, {5, 400});
    AdamP opt({&w}, AdamPOptions{0.05});
    w.backward(g);
    opt.step();
    CHECK(opt.last_projection(0) == AdamP::Projection::Layer);
    // The whole-tensor projection leaves the update orthogonal to w as one vector.
    const Tensor dw = sub(w.detach(), w0);
    CHECK(std::abs(sum(mul(dw, w0)).item<double>()) < 1e-9 * norm(reshape(dw, {-1}), 0).item<double>() *
                                                           norm(reshape(w0, {-1}), 0).item<double>());
}

TEST_CASE("AdamP: cpu, ref and cuda_emulated agree in f32; grad_scale equals scaled gradients", "[train][adamp]") {
    Tensor p1 = randn({64, 33}, 7).set_requires_grad();
    Tensor p2 = p1.detach().to(Device::ref()).clone().set_requires_grad();
    Tensor p3 = p1.detach().to(Device::cuda_emulated()).clone().set_requires_grad();
    Tensor p4 = p1.detach().clone().set_requires_grad();
    AdamPOptions o{0.01};
    o.weight_decay = 0.01;
    AdamP a1({&p1}, o), a2({&p2}, o), a3({&p3}, o), a4({&p4}, o);
    for (int s = 0; s < 3; ++s) {
        Tensor g = randn({64, 33}, 20 + s);
        for (Tensor* p : {&p1, &p2, &p3, &p4}) p->zero_grad();
        p1.backward(g), p2.backward(g.to(Device::ref())), p3.backward(g.to(Device::cuda_emulated()));
        p4.backward(mul(g, 4.0));
        a1.step(), a2.step(), a3.step(), a4.step(0.25);
    }
    CHECK(testing::diff(p1, p2).rel() < 1e-6);
    CHECK(testing::diff(p1, p3).rel() < 1e-6);
    CHECK(testing::diff(p1, p4).rel() < 1e-6);
}

TEST_CASE("AdamP: refuses bad settings and says what it expects", "[train][adamp]") {
    using Catch::Contains;
    Tensor p = zeros({2, 2}).set_requires_grad();
    AdamPOptions o;
    o.lr = -1;
    CHECK_THROWS_WITH(AdamP({&p}, o), Contains("need lr >= 0"));
    o = AdamPOptions{};
    o.beta2 = 1;
    CHECK_THROWS_WITH(AdamP({&p}, o), Contains("betas in [0, 1)"));
    AdamP ok({&p});
    CHECK_THROWS_WITH(ok.set_lr(-0.1), Contains("need lr >= 0"));
}

TEST_CASE("cosine_lr: PyTorch's CosineAnnealingLR with eta_min 0, per epoch", "[train]") {
    CHECK(cosine_lr(2e-4, 0, 30) == 2e-4);
    CHECK(cosine_lr(2e-4, 15, 30) == Approx(1e-4).epsilon(1e-12));
    CHECK(cosine_lr(2e-4, 30, 30) == Approx(0).margin(1e-20));
    CHECK(cosine_lr(1.0, 10, 30) == Approx(0.75).epsilon(1e-12));
    CHECK_THROWS(cosine_lr(1.0, 1, 0));
}
