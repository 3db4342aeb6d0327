// SPDX-License-Identifier: MIT
#include "train/optim.h"

#include <cmath>

#include "base/check.h"
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

double step_decay_lr(double lr0, std::int64_t epoch, std::int64_t lr_update) {
    IMRAM_CHECK(lr_update > 0, "step_decay_lr: lr_update must be positive, got ", lr_update);
    return lr0 * std::pow(0.1, static_cast<double>(epoch / lr_update));
}

}  // namespace imram::train
