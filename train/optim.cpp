// SPDX-License-Identifier: MIT
#include "train/optim.h"

#include <algorithm>
#include <cmath>

#include "base/check.h"
#include "core/autograd.h"
#include "core/ops.h"

namespace imram::train {

GradClip clip_grad_norm(const std::vector<Tensor*>& params, double max_norm) {
    IMRAM_CHECK(max_norm > 0, "clip_grad_norm: max_norm must be positive, got ", max_norm);
    double ss = 0;
    for (const Tensor* p : params) {
        const Tensor g = p->grad();
        if (!g.defined()) continue;
        ss += sum_squares(g);
    }
    GradClip c;
    c.total_norm = std::sqrt(ss);
    const double coef = max_norm / (c.total_norm + 1e-6);
    c.scale = coef < 1.0 ? coef : 1.0;
    return c;
}

namespace {
/// p's gradient, contiguous and checked against p's shape; undefined when p has none (not used).
Tensor gradient_of(const Tensor& p, const char* optimizer) {
    const Tensor g0 = p.grad();
    if (!g0.defined()) return g0;
    const Tensor g = g0.contiguous();
    IMRAM_CHECK(g.shape() == p.shape(), optimizer, ": gradient ", g.describe(), " does not match parameter ",
                p.describe());
    return g;
}
}  // namespace

Adam::Adam(std::vector<Tensor*> params, AdamOptions opt) : params_(std::move(params)), opt_(opt) {
    for (const Tensor* p : params_) {
        IMRAM_CHECK(p->defined() && p->is_contiguous() && is_floating(p->dtype()),
                    "Adam: parameters must be contiguous floating tensors, got ", p->describe());
        m_.push_back(zeros(p->shape(), p->dtype(), p->device()));
        v_.push_back(zeros(p->shape(), p->dtype(), p->device()));
    }
}

void Adam::step(double grad_scale) {
    ++step_;
    for (std::size_t i = 0; i < params_.size(); ++i) {
        Tensor& p = *params_[i];
        const Tensor g = gradient_of(p, "Adam");
        if (!g.defined()) continue;
        adam_step_(p, g, m_[i], v_[i], AdamStep{opt_.lr, opt_.beta1, opt_.beta2, opt_.eps, grad_scale, step_});
    }
}

void Adam::zero_grad() {
    for (Tensor* p : params_) p->zero_grad();
}

AdamP::AdamP(std::vector<Tensor*> params, AdamPOptions opt) : params_(std::move(params)), opt_(opt) {
    IMRAM_CHECK(opt_.lr >= 0 && opt_.weight_decay >= 0 && opt_.beta1 >= 0 && opt_.beta1 < 1 && opt_.beta2 >= 0 &&
                    opt_.beta2 < 1 && opt_.eps > 0 && opt_.delta >= 0,
                "AdamP: need lr >= 0, weight_decay >= 0, betas in [0, 1), eps > 0 and delta >= 0; got lr ", opt_.lr,
                ", weight_decay ", opt_.weight_decay, ", betas (", opt_.beta1, ", ", opt_.beta2, "), eps ", opt_.eps,
                ", delta ", opt_.delta);
    for (const Tensor* p : params_) {
        IMRAM_CHECK(p->defined() && p->is_contiguous() && is_floating(p->dtype()),
                    "AdamP: parameters must be contiguous floating tensors, got ", p->describe());
        m_.push_back(zeros(p->shape(), p->dtype(), p->device()));
        v_.push_back(zeros(p->shape(), p->dtype(), p->device()));
    }
    projected_.assign(params_.size(), Projection::None);
    param_steps_.assign(params_.size(), 0);
}

void AdamP::set_steps(std::int64_t s) {
    step_ = s;
    param_steps_.assign(params_.size(), s);
}

void AdamP::set_lr(double lr) {
    IMRAM_CHECK(lr >= 0, "AdamP: need lr >= 0, got ", lr);
    opt_.lr = lr;
}

namespace {
/// The projection test and step of AdamP for one view of w as (rows, n): true when it fired, with u
/// replaced by u minus its component along each row of w.
bool project_if_orthogonal(const Tensor& w, const Tensor& g, Tensor& u, std::int64_t rows, double delta, double eps) {
    const std::int64_t n = w.numel() / rows;
    const Tensor wv = reshape(w, {rows, n}), gv = reshape(g, {rows, n});
    // |cos| per row as torch's cosine_similarity (<x, y> / max(||x|| ||y||, eps)), read on the host:
    // the decision is one comparison per row.
    const std::vector<double> dot = sum(mul(wv, gv), {1}).to_vector<double>();
    const std::vector<double> nw = norm(wv, 1).to_vector<double>();
    const std::vector<double> ng = norm(gv, 1).to_vector<double>();
    double max_cos = 0;
    for (std::int64_t r = 0; r < rows; ++r)
        max_cos = std::max(max_cos, std::abs(dot[r]) / std::max(nw[r] * ng[r], eps));
    if (!(max_cos < delta / std::sqrt(static_cast<double>(n)))) return false;
    const Tensor wn = div(wv, add(norm(wv, 1, true), eps));
    const Tensor uv = reshape(u, {rows, n});
    u = reshape(sub(uv, mul(wn, sum(mul(wn, uv), {1}, true))), w.shape());
    return true;
}
}  // namespace

void AdamP::step(double grad_scale) {
    ++step_;
    const autograd::NoGradGuard no_grad;
    for (std::size_t i = 0; i < params_.size(); ++i) {
        Tensor& p = *params_[i];
        const Tensor g0 = gradient_of(p, "AdamP");
        projected_[i] = Projection::None;
        if (!g0.defined()) continue;
        const double t = static_cast<double>(++param_steps_[i]);
        const double bias1 = 1 - std::pow(opt_.beta1, t), bias2 = 1 - std::pow(opt_.beta2, t);
        const Tensor g = grad_scale == 1.0 ? g0 : mul(g0, grad_scale);
        m_[i].copy_(add(mul(m_[i], opt_.beta1), mul(g, 1 - opt_.beta1)));
        v_[i].copy_(add(mul(v_[i], opt_.beta2), mul(mul(g, g), 1 - opt_.beta2)));
        const Tensor denom = add(mul(sqrt(v_[i]), 1 / std::sqrt(bias2)), opt_.eps);
        const Tensor m = opt_.nesterov ? add(mul(m_[i], opt_.beta1), mul(g, 1 - opt_.beta1)) : m_[i];
        Tensor u = div(m, denom);
        const Tensor w = p.detach();
        if (p.dim() > 1) {
            if (project_if_orthogonal(w, g, u, p.size(0), opt_.delta, opt_.eps))
                projected_[i] = Projection::Channel;
            else if (project_if_orthogonal(w, g, u, 1, opt_.delta, opt_.eps))
                projected_[i] = Projection::Layer;
        }
        Tensor next = w;
        if (opt_.weight_decay > 0) {
            const double ratio = projected_[i] == Projection::None ? 1.0 : opt_.wd_ratio;
            next = mul(next, 1 - opt_.lr * opt_.weight_decay * ratio);
        }
        p.copy_(sub(next, mul(u, opt_.lr / bias1)));
    }
}

void AdamP::zero_grad() {
    for (Tensor* p : params_) p->zero_grad();
}

namespace {
void check_sgd_options(const SgdOptions& o) {
    IMRAM_CHECK(o.lr >= 0 && o.momentum >= 0 && o.weight_decay >= 0,
                "Sgd: need lr >= 0, momentum >= 0 and weight_decay >= 0; got lr ", o.lr, ", momentum ", o.momentum,
                ", weight_decay ", o.weight_decay);
    IMRAM_CHECK(!o.nesterov || o.momentum > 0, "Sgd: Nesterov momentum needs momentum > 0, got momentum ", o.momentum);
}
}  // namespace

Sgd::Sgd(std::vector<Tensor*> params, SgdOptions opt) : params_(std::move(params)), opt_(opt) {
    check_sgd_options(opt_);
    for (const Tensor* p : params_)
        IMRAM_CHECK(p->defined() && p->is_contiguous() && is_floating(p->dtype()),
                    "Sgd: parameters must be contiguous floating tensors, got ", p->describe());
    buf_.resize(params_.size());
}

void Sgd::set_lr(double lr) {
    IMRAM_CHECK(lr >= 0, "Sgd: need lr >= 0, got ", lr);
    opt_.lr = lr;
}

void Sgd::step(double grad_scale) {
    ++step_;
    for (std::size_t i = 0; i < params_.size(); ++i) {
        Tensor& p = *params_[i];
        const Tensor g = gradient_of(p, "Sgd");
        if (!g.defined()) continue;
        const bool first = !buf_[i].defined();
        if (opt_.momentum != 0 && first) buf_[i] = empty(p.shape(), p.dtype(), p.device());
        sgd_step_(p, g, buf_[i], SgdStep{opt_.lr, opt_.momentum, opt_.weight_decay, opt_.nesterov, grad_scale, first});
    }
}

void Sgd::zero_grad() {
    for (Tensor* p : params_) p->zero_grad();
}

double cosine_lr(double lr0, std::int64_t epoch, std::int64_t t_max) {
    IMRAM_CHECK(t_max > 0, "cosine_lr: t_max must be positive, got ", t_max);
    constexpr double kPi = 3.14159265358979323846;
    return lr0 * (1 + std::cos(kPi * static_cast<double>(epoch) / static_cast<double>(t_max))) / 2;
}

double step_decay_lr(double lr0, std::int64_t epoch, std::int64_t lr_update) {
    IMRAM_CHECK(lr_update > 0, "step_decay_lr: lr_update must be positive, got ", lr_update);
    return lr0 * std::pow(0.1, static_cast<double>(epoch / lr_update));
}

}  // namespace imram::train
