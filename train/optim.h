// SPDX-License-Identifier: MIT
// Adam (PyTorch defaults, no weight decay), SGD (PyTorch's, with momentum, weight decay and Nesterov),
// global-norm gradient clipping, and step learning-rate decay.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace imram::train {

/// The global L2 norm of all defined gradients, and the factor that clips it to `max_norm`
/// (PyTorch's clip_grad_norm_: scale = max_norm / (norm + 1e-6) when that is below 1, else 1).
struct GradClip {
    double total_norm = 0;
    double scale = 1;
};
GradClip clip_grad_norm(const std::vector<Tensor*>& params, double max_norm);

struct AdamOptions {
    double lr = 2e-4;
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

class Adam {
public:
    Adam(std::vector<Tensor*> params, AdamOptions opt = {});
    /// Updates every parameter that has a gradient, in place; gradients are multiplied by
    /// `grad_scale` first (pass GradClip::scale to clip without touching the gradients).
    void step(double grad_scale = 1.0);
    void zero_grad();
    void set_lr(double lr) { opt_.lr = lr; }
    double lr() const { return opt_.lr; }
    std::int64_t steps() const { return step_; }

    /// Optimizer state for checkpoints: first and second moments per parameter, and the step count.
    std::vector<Tensor>& exp_avg() { return m_; }
    std::vector<Tensor>& exp_avg_sq() { return v_; }
    void set_steps(std::int64_t s) { step_ = s; }

private:
    std::vector<Tensor*> params_;
    std::vector<Tensor> m_, v_;
    AdamOptions opt_;
    std::int64_t step_ = 0;
};

/// torch.optim.SGD's options (dampening is always 0, maximize off).
struct SgdOptions {
    double lr = 1e-3;
    double momentum = 0, weight_decay = 0;
    bool nesterov = false;  // needs momentum > 0
};

/// torch.optim.SGD: per element g = grad + weight_decay p; with momentum, buf = g at the parameter's
/// first step and momentum buf + g after, g = nesterov ? g + momentum buf : buf; p -= lr g.
class Sgd {
public:
    /// Throws for lr, momentum or weight_decay below 0, and for nesterov without momentum.
    Sgd(std::vector<Tensor*> params, SgdOptions opt = {});
    /// Updates every parameter that has a gradient, in place; gradients are multiplied by
    /// `grad_scale` first (pass GradClip::scale to clip without touching the gradients).
    void step(double grad_scale = 1.0);
    void zero_grad();
    void set_lr(double lr);
    double lr() const { return opt_.lr; }
    const SgdOptions& options() const { return opt_; }
    std::int64_t steps() const { return step_; }

    /// Optimizer state for checkpoints: one momentum buffer per parameter, undefined until that
    /// parameter's first step with a gradient (PyTorch creates its "momentum_buffer" then) and always
    /// with momentum 0; a restored buffer must be contiguous, of the parameter's shape, dtype and
    /// device. And the step count.
    std::vector<Tensor>& momentum_buffers() { return buf_; }
    void set_steps(std::int64_t s) { step_ = s; }

private:
    std::vector<Tensor*> params_;
    std::vector<Tensor> buf_;
    SgdOptions opt_;
    std::int64_t step_ = 0;
};

/// lr0 * 0.1^(epoch / lr_update): the official schedule, set at the start of each epoch (epoch from 0).
double step_decay_lr(double lr0, std::int64_t epoch, std::int64_t lr_update);

}  // namespace imram::train
