// SPDX-License-Identifier: MIT
// The model against the PyTorch reference (tools/imram_reference.py, written from the spec and
// following the official per-caption loops): score matrix, loss, every parameter's gradient, and
// the losses of 5 Adam steps with clipping, for every variant. No Python is needed to run it.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/ops.h"
#include "models/imram/model.h"
#include "models/triplet_loss.h"
#include "nn/safetensors.h"
#include "tests/testing/compare.h"
#include "train/optim.h"

using namespace imram;
using namespace imram::models;

namespace {

struct Variant {
    const char* name;
    ModelConfig cfg;
};

std::vector<Variant> variants(const nn::TensorFile& g) {
    ModelConfig base = ModelConfig::from_metadata(
        {{"vocab_size", g.metadata.at("vocab")}, {"word_dim", g.metadata.at("word_dim")},
         {"img_dim", g.metadata.at("img_dim")}, {"embed_size", g.metadata.at("embed_size")}},
        "imram_golden");
    auto with = [&](Mode m, std::int64_t k, double lam, bool no_norm, Agg agg = Agg::Mean, double lse = 6.0) {
        ModelConfig c = base;
        c.mode = m, c.iteration_step = k, c.lambda_softmax = lam, c.no_imram_norm = no_norm, c.agg = agg, c.lambda_lse = lse;
        return c;
    };
    return {{"text_IMRAM", with(Mode::TextIMRAM, 2, 9.0, true)},
            {"image_IMRAM", with(Mode::ImageIMRAM, 3, 4.0, false)},
            {"full_IMRAM", with(Mode::FullIMRAM, 3, 9.0, true)},
            {"scan_t2i_avg", with(Mode::ScanT2I, 1, 9.0, false)},
            {"scan_i2t_lse", with(Mode::ScanI2T, 1, 4.0, false, Agg::LogSumExp, 5.0)}};
}

struct Setup {
    std::unique_ptr<ImramModel> model;
    Tensor images, captions;
    std::vector<std::int64_t> lengths;
};

Setup build(const nn::TensorFile& g, const ModelConfig& cfg, DType dt, Device dev) {
    Setup s;
    s.model = std::make_unique<ImramModel>(cfg, 0, dt, dev);
    nn::TensorFile params;
    for (const auto& [n, t] : g.tensors)
        if (n.rfind("param.", 0) == 0) params.tensors.emplace_back(n.substr(6), t);
    nn::load_state_dict(*s.model, params, true, "imram_golden");
    s.images = g.find("input.images")->to(dt).to(dev);
    s.captions = g.find("input.captions")->to(dev);
    s.lengths = g.find("input.lengths")->to_vector<std::int64_t>();
    return s;
}

double rel(const Tensor& got, const Tensor& want) { return testing::diff(got, want).rel(); }

}  // namespace

namespace {
/// Scores, loss and parameter gradients of one variant in one precision.
struct Result {
    Tensor scores;
    double loss = 0;
    std::vector<std::pair<std::string, Tensor>> grads;
};
Result run_variant(const nn::TensorFile& g, const ModelConfig& cfg, DType dt, Device dev) {
    Setup s = build(g, cfg, dt, dev);
    const Encoded e = s.model->encode(s.images, s.captions, s.lengths);
    Result r;
    r.scores = s.model->score_matrix(e);
    const Tensor loss = contrastive_loss(r.scores, 0.2);
    r.loss = loss.item<double>();
    loss.backward();
    for (auto& [name, param] : s.model->named_parameters())
        r.grads.emplace_back(name, param->grad().defined() ? param->grad() : zeros_like(*param));
    return r;
}
}  // namespace

TEST_CASE("golden: every variant matches the PyTorch reference", "[models][golden]") {
    const nn::TensorFile g = nn::load_safetensors(IMRAM_TEST_DATA_DIR "/imram_golden.safetensors");
    struct Precision {
        DType dt;
        Device dev;
        double score_tol, loss_tol, grad_tol;
    };
    // f64 checks the formulation exactly; f32 on the fast backend is held to the policy in
    // docs/testing.md: within the stated bound, or no worse than twice the naive f32 reference's error.
    const std::vector<Precision> precisions = {{DType::F64, Device::ref(), 1e-11, 1e-10, 1e-9},
                                               {DType::F64, Device::cpu(), 1e-11, 1e-10, 1e-9},
                                               {DType::F32, Device::cpu(), 1e-5, 1e-5, 1e-4}};
    for (const Variant& v : variants(g)) {
        for (const Precision& p : precisions) {
            DYNAMIC_SECTION(v.name << " " << p.dt << " on " << p.dev) {
                const Result got = run_variant(g, v.cfg, p.dt, p.dev);
                const bool f32 = p.dt == DType::F32;
                const Result naive = f32 ? run_variant(g, v.cfg, DType::F32, Device::ref()) : Result{};
                const std::string pre = std::string(v.name) + ".";
                auto bound = [&](double tol, double naive_err) { return f32 ? std::max(tol, 2 * naive_err) : tol; };
                const Tensor want_s = *g.find(pre + "scores");
                CHECK(rel(got.scores, want_s) <= bound(p.score_tol, f32 ? rel(naive.scores, want_s) : 0));
                const double want_loss = g.find(pre + "loss")->item<double>();
                const double scale = std::max(1.0, std::fabs(want_loss));
                CHECK(std::fabs(got.loss - want_loss) / scale <=
                      bound(p.loss_tol, f32 ? std::fabs(naive.loss - want_loss) / scale : 0));
                for (std::size_t i = 0; i < got.grads.size(); ++i) {
                    const auto& [name, grad] = got.grads[i];
                    const Tensor want = *g.find(pre + "grad." + name);
                    INFO("gradient of " << name << ": " << testing::describe_diff(testing::diff(grad, want), grad, want));
                    if (testing::diff(want, zeros_like(want)).max_abs == 0) CHECK(testing::diff(grad, want).max_abs == 0);
                    else CHECK(rel(grad, want) <= bound(p.grad_tol, f32 ? rel(naive.grads[i].second, want) : 0));
                }
            }
        }
    }
}

TEST_CASE("golden: 5 Adam steps with gradient clipping follow the reference losses", "[models][golden]") {
    const nn::TensorFile g = nn::load_safetensors(IMRAM_TEST_DATA_DIR "/imram_golden.safetensors");
    const double lr = std::stod(g.metadata.at("lr")), clip = std::stod(g.metadata.at("grad_clip"));
    for (const Variant& v : variants(g)) {
        for (DType dt : {DType::F64, DType::F32}) {
            DYNAMIC_SECTION(v.name << " " << dt) {
                Setup s = build(g, v.cfg, dt, Device::cpu());
                train::Adam opt(s.model->parameters(), train::AdamOptions{lr});
                const std::vector<double> want = g.find(std::string(v.name) + ".step_losses")->to_vector<double>();
                for (std::size_t step = 0; step < want.size(); ++step) {
                    opt.zero_grad();
                    const Encoded e = s.model->encode(s.images, s.captions, s.lengths);
                    const Tensor loss = contrastive_loss(s.model->score_matrix(e), 0.2);
                    loss.backward();
                    opt.step(train::clip_grad_norm(s.model->parameters(), clip).scale);
                    INFO("step " << step << ": " << loss.item<double>() << " vs " << want[step]);
                    // f32: Adam divides by sqrt(v), so rounding in small gradients becomes lr-sized parameter
                    // differences; the losses then drift chaotically, up to ~1e-3 relative over 5 steps
                    // depending on summation order and build (docs/testing.md).
                    const double tol = dt == DType::F64 ? 1e-9 : 3e-3;
                    CHECK(std::fabs(loss.item<double>() - want[step]) <= tol * std::max(1.0, want[step]));
                }
            }
        }
    }
}
