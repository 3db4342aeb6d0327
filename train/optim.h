// SPDX-License-Identifier: MIT
// Adam (PyTorch defaults, no weight decay), SGD (PyTorch's, with momentum, weight decay and Nesterov),
// global-norm gradient clipping, and step learning-rate decay.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
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

/// What the trainer steps, Adam or SGD, with its state as named tensors for checkpoints.
class Optimizer {
public:
    virtual ~Optimizer() = default;
    /// "adam" or "sgd": the --optimizer value.
    virtual const char* name() const = 0;
    /// Updates every parameter that has a gradient, in place; gradients are multiplied by
    /// `grad_scale` first (pass GradClip::scale to clip without touching the gradients).
    virtual void step(double grad_scale = 1.0) = 0;
    virtual void zero_grad() = 0;
    virtual void set_lr(double lr) = 0;
    virtual double lr() const = 0;
    virtual std::int64_t steps() const = 0;
    virtual void set_steps(std::int64_t s) = 0;
    /// Parameter i's state tensors under their PyTorch names ("exp_avg", "exp_avg_sq";
    /// "momentum_buffer"). An undefined one is not there yet (SGD before the parameter's first
    /// gradient) and may stay so on restore; a defined one must be restored.
    virtual std::vector<std::pair<std::string, Tensor*>> state_of(std::size_t i) = 0;
};

struct AdamOptions {
    double lr = 2e-4;
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

class Adam : public Optimizer {
public:
    Adam(std::vector<Tensor*> params, AdamOptions opt = {});
    const char* name() const override { return "adam"; }
    void step(double grad_scale = 1.0) override;
    void zero_grad() override;
    void set_lr(double lr) override { opt_.lr = lr; }
    double lr() const override { return opt_.lr; }
    std::int64_t steps() const override { return step_; }
    std::vector<std::pair<std::string, Tensor*>> state_of(std::size_t i) override {
        return {{"exp_avg", &m_.at(i)}, {"exp_avg_sq", &v_.at(i)}};
    }

    /// Optimizer state for checkpoints: first and second moments per parameter, and the step count.
    std::vector<Tensor>& exp_avg() { return m_; }
    std::vector<Tensor>& exp_avg_sq() { return v_; }
    void set_steps(std::int64_t s) override { step_ = s; }

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
class Sgd : public Optimizer {
public:
    /// Throws for lr, momentum or weight_decay below 0, and for nesterov without momentum.
    Sgd(std::vector<Tensor*> params, SgdOptions opt = {});
    const char* name() const override { return "sgd"; }
    void step(double grad_scale = 1.0) override;
    void zero_grad() override;
    void set_lr(double lr) override;
    double lr() const override { return opt_.lr; }
    const SgdOptions& options() const { return opt_; }
    std::int64_t steps() const override { return step_; }
    std::vector<std::pair<std::string, Tensor*>> state_of(std::size_t i) override {
        return {{"momentum_buffer", &buf_.at(i)}};
    }

    /// Optimizer state for checkpoints: one momentum buffer per parameter, undefined until that
    /// parameter's first step with a gradient (PyTorch creates its "momentum_buffer" then) and always
    /// with momentum 0; a restored buffer must be contiguous, of the parameter's shape, dtype and
    /// device. And the step count.
    std::vector<Tensor>& momentum_buffers() { return buf_; }
    void set_steps(std::int64_t s) override { step_ = s; }

private:
    std::vector<Tensor*> params_;
    std::vector<Tensor> buf_;
    SgdOptions opt_;
    std::int64_t step_ = 0;
};

/// lr0 * 0.1^(epoch / lr_update): the official schedule, set at the start of each epoch (epoch from 0).
double step_decay_lr(double lr0, std::int64_t epoch, std::int64_t lr_update);

}  // namespace imram::train
