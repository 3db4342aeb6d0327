// SPDX-License-Identifier: MIT
// PCME on the engine (models/pcme): against the PyTorch reference (tools/pcme_reference.py, written from
// the spec, distances by differences, fixed draws): the Gaussians and samples of both encoders, the
// match probabilities and the matmul score, the loss's parts, every parameter's gradient (f64 and f32,
// on every backend), and three AdamP steps with PCME's clipping (model parameters only). Then what the
// model adds around it: reproducible draws, padding, the family's file round trip.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/autograd.h"
#include "core/ops.h"
#include "models/pcme/model.h"
#include "models/registry.h"
#include "nn/safetensors.h"
#include "tests/testing/compare.h"
#include "tests/testing/temp.h"
#include "train/optim.h"

using namespace imram;
using namespace imram::models;

namespace {

nn::TensorFile golden() { return nn::load_safetensors(IMRAM_TEST_DATA_DIR "/pcme_golden.safetensors"); }

double number(const nn::TensorFile& g, const std::string& key) { return g.find("config." + key)->to(DType::F64).at(0); }

PcmeConfig config_of(const nn::TensorFile& g) {
    PcmeConfig c;
    c.vocab_size = static_cast<std::int64_t>(number(g, "vocab"));
    c.word_dim = static_cast<std::int64_t>(number(g, "word_dim"));
    c.img_dim = static_cast<std::int64_t>(number(g, "img_dim"));
    c.embed_size = static_cast<std::int64_t>(number(g, "D"));
    c.n_samples_inference = static_cast<std::int64_t>(number(g, "K"));
    c.vib_beta = number(g, "beta");
    return c;
}

struct Setup {
    std::unique_ptr<PcmeModel> model;
    Tensor images, captions, eps_img, eps_txt;
    std::vector<std::int64_t> lengths;
};

Setup build(const nn::TensorFile& g, DType dt, Device dev) {
    Setup s;
    s.model = std::make_unique<PcmeModel>(config_of(g), 0, dt, dev);
    nn::TensorFile params;
    for (const auto& [n, t] : g.tensors)
        if (n.rfind("param.", 0) == 0) params.tensors.emplace_back(n.substr(6), t);
    nn::load_state_dict(*s.model, params, true, "pcme_golden");
    s.images = g.find("input.images")->to(dt).to(dev);
    s.captions = g.find("input.captions")->to(dev);
    s.lengths = g.find("input.lengths")->to_vector<std::int64_t>();
    s.eps_img = g.find("input.eps_img")->to(dt).to(dev);
    s.eps_txt = g.find("input.eps_txt")->to(dt).to(dev);
    return s;
}

Encoded encode_fixed(const Setup& s) {
    return {PcmeModel::pack(s.model->image_gaussians(s.images), s.eps_img),
            PcmeModel::pack(s.model->caption_gaussians(s.captions, s.lengths), s.eps_txt), s.lengths};
}

double rel(const Tensor& got, const Tensor& want) { return testing::diff(got, want).rel(); }
double scalar(const nn::TensorFile& g, const std::string& key) { return g.find(key)->to(DType::F64).at(0); }
Tensor row(const Tensor& encoded, std::int64_t r) { return squeeze(slice(encoded, 1, r, r + 1), 1); }

}  // namespace

TEST_CASE("PCME golden: Gaussians, samples, scores, loss and every gradient match the PyTorch reference",
          "[models][golden][pcme]") {
    const nn::TensorFile g = golden();
    for (Device dev : {Device::ref(), Device::cpu(), Device::cuda_emulated()}) {
        for (DType dt : {DType::F64, DType::F32}) {
            DYNAMIC_SECTION(dev << " " << dt) {
                const double tol = dt == DType::F64 ? 1e-10 : 5e-5;
                Setup s = build(g, dt, dev);
                const Encoded e = encode_fixed(s);
                const std::int64_t K = s.model->config().n_samples_inference;
                CHECK(rel(row(e.images, 0), *g.find("img.mu")) <= tol);
                CHECK(rel(row(e.images, 1), *g.find("img.logsig")) <= tol);
                CHECK(rel(slice(e.images, 1, 2, 2 + K), *g.find("img.samples")) <= tol);
                CHECK(rel(row(e.captions, 0), *g.find("txt.mu")) <= tol);
                CHECK(rel(row(e.captions, 1), *g.find("txt.logsig")) <= tol);
                CHECK(rel(slice(e.captions, 1, 2, 2 + K), *g.find("txt.samples")) <= tol);
                CHECK(rel(s.model->score_all(e), *g.find("match_prob")) <= tol);
                CHECK(rel(s.model->score_all_matmul(e), *g.find("matmul_score")) <= tol);
                // The first-stage item vectors: their inner products are the matmul score / (K K).
                REQUIRE(s.model->has_item_vectors());
                const Tensor iv = s.model->image_vectors(e.images), cv = s.model->caption_vectors(e.captions, e.lengths);
                CHECK(rel(mul(matmul(iv, transpose(cv, 0, 1)), static_cast<double>(K * K)), *g.find("matmul_score")) <=
                      tol);
                // The taped pair scores, in a scrambled order with repeats, are the same entries.
                const std::vector<std::int64_t> ii{3, 0, 2, 2, 1}, cc{1, 0, 2, 3, 1};
                const Tensor pairs = s.model->score_pairs(e, ii, cc);
                const Tensor all = g.find("match_prob")->to(Device::cpu());
                for (std::size_t p = 0; p < ii.size(); ++p)
                    CHECK(std::fabs(pairs.to(Device::cpu()).at(static_cast<std::int64_t>(p)) - all.at(ii[p] * 4 + cc[p])) <= tol);
                PcmeLossParts parts;
                const Tensor loss = s.model->loss(e, &parts);
                const double want_loss = scalar(g, "loss.total");
                CHECK(std::fabs(loss.to(Device::cpu()).item<double>() - want_loss) <= tol * std::fabs(want_loss));
                CHECK(std::fabs(parts.i2t - scalar(g, "loss.i2t")) <= tol * std::fabs(parts.i2t));
                CHECK(std::fabs(parts.t2i - scalar(g, "loss.t2i")) <= tol * std::fabs(parts.t2i));
                CHECK(std::fabs(parts.kl_images - scalar(g, "loss.kl_img")) <= tol * std::fabs(parts.kl_images));
                CHECK(std::fabs(parts.kl_captions - scalar(g, "loss.kl_txt")) <= tol * std::fabs(parts.kl_captions));
                loss.backward();
                // Gradients that are 0 in exact arithmetic (the backward GRUs' hidden weights: their output
                // at the last position is one step from h = 0; unused embedding rows) are held to the
                // largest gradient's scale.
                double largest = 0;
                for (auto& [pname, param] : s.model->named_parameters())
                    largest = std::max(largest, testing::diff(*g.find("grad." + pname), zeros_like(*g.find("grad." + pname))).max_abs);
                const double grad_tol = dt == DType::F64 ? 1e-9 : 2e-4;
                for (auto& [pname, param] : s.model->named_parameters()) {
                    const Tensor grad = param->grad().defined() ? param->grad().to(Device::cpu()) : zeros_like(param->to(Device::cpu()));
                    const Tensor want = *g.find("grad." + pname);
                    INFO("gradient of " << pname << ": " << testing::describe_diff(testing::diff(grad, want), grad, want));
                    CHECK((rel(grad, want) <= grad_tol || testing::diff(grad, want).max_abs <= grad_tol * 1e-3 * largest));
                }
            }
        }
    }
}

TEST_CASE("PCME golden: three AdamP steps with the model's parameters clipped, a and b not", "[models][golden][pcme]") {
    const nn::TensorFile g = golden();
    const double lr = number(g, "lr"), clip = number(g, "grad_clip");
    Setup s = build(g, DType::F64, Device::cpu());
    train::AdamP opt(s.model->parameters(), train::AdamPOptions{lr});
    std::vector<Tensor*> clipped;
    for (auto& [name, p] : s.model->named_parameters())
        if (s.model->clipped(name)) clipped.push_back(p);
    CHECK(clipped.size() + 2 == s.model->parameters().size());
    const std::vector<double> want = g.find("step_losses")->to_vector<double>();
    for (std::size_t step = 0; step < want.size(); ++step) {
        opt.zero_grad();
        const Tensor loss = s.model->loss(encode_fixed(s));
        loss.backward();
        const double scale = train::clip_grad_norm(clipped, clip).scale;
        for (Tensor* p : clipped) p->grad().copy_(mul(p->grad(), scale));
        opt.step();
        INFO("step " << step << ": " << loss.item<double>() << " vs " << want[step]);
        CHECK(std::fabs(loss.item<double>() - want[step]) <= 1e-10 * std::fabs(want[step]));
    }
    for (auto& [pname, param] : s.model->named_parameters()) {
        const Tensor want_p = *g.find("after." + pname);
        INFO("parameter " << pname << ": " << testing::describe_diff(testing::diff(*param, want_p), *param, want_p));
        CHECK(testing::diff(*param, want_p).max_abs <= 1e-9 * std::max(1.0, testing::diff(want_p, zeros_like(want_p)).max_abs));
    }
}

TEST_CASE("PCME: draws are reproducible, independent of the batch, and new at every training step", "[models][pcme]") {
    const nn::TensorFile g = golden();
    Setup s = build(g, DType::F64, Device::cpu());
    const autograd::NoGradGuard no_grad;
    const Tensor all = s.model->encode_images(s.images);
    const Tensor again = s.model->encode_images(s.images);
    CHECK(testing::diff(all, again).max_abs == 0);
    // Image 2 alone gets the samples it got in the batch of four (to the rounding of a smaller GEMM).
    const Tensor alone = s.model->encode_images(slice(s.images, 0, 2, 3));
    CHECK(testing::diff(alone, slice(all, 0, 2, 3)).max_abs < 1e-14);
    // Captions: the same across padding and batch.
    std::int64_t longest = 0;
    for (auto l : s.lengths) longest = std::max(longest, l);
    const Tensor wide = cat({s.captions, zeros({4, 3}, DType::I64)}, 1);
    CHECK(testing::diff(s.model->encode_captions(s.captions, s.lengths), s.model->encode_captions(wide, s.lengths)).max_abs < 1e-12);
    // Different images get different draws; the samples sit around mu with spread exp(logsig).
    const Tensor eps0 = div(sub(row(all, 2), row(all, 0)), exp(row(all, 1)));
    CHECK(testing::diff(slice(eps0, 0, 0, 1), slice(eps0, 0, 1, 2)).max_abs > 1e-3);
    // A model from a file draws what the model it was saved from drew (the sample seed travels).
    const std::string path = testing::tmp_path("pcme_roundtrip.safetensors");
    save_model(path, *s.model);
    auto loaded = load_model(path, DType::F64);
    CHECK(loaded->family() == "pcme");
    CHECK(testing::diff(loaded->encode_images(s.images), all).max_abs == 0);
}

TEST_CASE("PCME: a training step draws new samples, keyed by the step", "[models][pcme]") {
    const nn::TensorFile g = golden();
    Setup a = build(g, DType::F64, Device::cpu()), b = build(g, DType::F64, Device::cpu());
    StepOptions s0, s1;
    s1.step = 1;
    const StepResult r0 = a.model->train_step(a.images, a.captions, a.lengths, s0);
    const StepResult r0b = b.model->train_step(b.images, b.captions, b.lengths, s0);
    CHECK(r0.loss == r0b.loss);  // the same step draws the same
    const StepResult r1 = b.model->train_step(b.images, b.captions, b.lengths, s1);
    CHECK(r1.loss != r0.loss);
    CHECK(std::isfinite(r1.loss));
    CHECK(r0.pairs_backpropagated == 16);
    StepOptions masked;
    masked.not_negative.assign(16, 0);
    CHECK_THROWS_WITH(a.model->train_step(a.images, a.captions, a.lengths, masked), Catch::Contains("--mask_duplicates"));
}

TEST_CASE("PCME: the means alone (n_samples_inference 0) score the reference's means, with no draws",
          "[models][pcme]") {
    const nn::TensorFile g = golden();
    PcmeConfig c = config_of(g);
    c.n_samples_inference = 0;
    // f64 to the reference's rounding; f32 (what `imram eval --deterministic_eval` runs) to its own.
    for (const auto& [dt, tol] : {std::pair{DType::F64, 1e-10}, std::pair{DType::F32, 2e-6}}) {
        CAPTURE(dtype_name(dt));
        PcmeModel m(c, 0, dt);
        nn::TensorFile params;
        for (const auto& [n, t] : g.tensors)
            if (n.rfind("param.", 0) == 0) params.tensors.emplace_back(n.substr(6), t.to(dt));
        nn::load_state_dict(m, params, true, "pcme_golden");
        Setup s = build(g, dt, Device::cpu());
        const autograd::NoGradGuard no_grad;
        const Encoded e = m.encode(s.images, s.captions, s.lengths);
        CHECK(e.images.shape() == Shape{4, 3, 8});
        CHECK(testing::diff(row(e.images, 2), row(e.images, 0)).max_abs == 0);  // the one sample is the mean
        // p = sigmoid(2 (-a sqrt(|mu - mu'|^2 + 1e-6) + b)) on the reference's means; matmul = <mu, mu'>.
        const Tensor mi = *g.find("img.mu"), mt = *g.find("txt.mu");
        const double a = g.find("param.criterion.negative_scale")->at(0), b = g.find("param.criterion.shift")->at(0);
        const Tensor p = m.score_all(e).to(DType::F64), dot = m.score_all_matmul(e).to(DType::F64);
        for (std::int64_t i = 0; i < 4; ++i)
            for (std::int64_t j = 0; j < 4; ++j) {
                double d2 = 0, ip = 0;
                for (std::int64_t k = 0; k < 8; ++k) {
                    d2 += (mi.at(i * 8 + k) - mt.at(j * 8 + k)) * (mi.at(i * 8 + k) - mt.at(j * 8 + k));
                    ip += mi.at(i * 8 + k) * mt.at(j * 8 + k);
                }
                const double want = 1 / (1 + std::exp(-2 * (-a * std::sqrt(d2 + 1e-6) + b)));
                CHECK(std::fabs(p.at(i * 4 + j) - want) < tol);
                CHECK(std::fabs(dot.at(i * 4 + j) - ip) < tol);
            }
        CHECK_THROWS_WITH(m.train_step(s.images, s.captions, s.lengths, StepOptions{}),
                          Catch::Contains("training needs"));
    }
}

TEST_CASE("PCME: bad settings and inputs are refused with the field named", "[models][pcme][errors]") {
    using Catch::Contains;
    PcmeConfig c;
    c.vocab_size = 20, c.embed_size = 7;
    CHECK_THROWS_WITH(PcmeModel(c, 1), Contains("embed_size must be positive and even"));
    c.embed_size = 8, c.n_samples_inference = -1;
    CHECK_THROWS_WITH(PcmeModel(c, 1), Contains("n_samples_inference must be >= 0"));
    CHECK_THROWS_WITH(create_model({{"model_mode", "pcme"}, {"vocab_size", "20"}, {"vib_beta", "x"}}, 1),
                      Contains("vib_beta"));
    c.n_samples_inference = 2, c.img_dim = 10, c.word_dim = 6;
    PcmeModel m(c, 1);
    CHECK_THROWS_WITH(m.encode_images(zeros({2, 3, 11})), Contains("expected image features (N, R >= 1, 10)"));
}
