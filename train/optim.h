// SPDX-License-Identifier: MIT
// Adam (PyTorch defaults, no weight decay), AdamP (PCME's), SGD (PyTorch's, with momentum, weight decay and Nesterov),
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

/// AdamP's options (Heo et al. 2021; the optimizer of the official PCME code, spec 3.2).
struct AdamPOptions {
    double lr = 2e-4;
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    double weight_decay = 0;
    double delta = 0.1;     // the cosine threshold, divided by sqrt(row length)
    double wd_ratio = 0.1;  // weight decay is scaled by this on a step whose update was projected
    bool nesterov = false;
};

/// AdamP: Adam's bias-corrected moments and update direction u = m / (sqrt(v / (1 - b2^t)) + eps), and
/// for a parameter of more than one dimension a projection of u that removes its radial part when the
/// gradient is nearly orthogonal to the weights (scale-invariant weights, e.g. before a normalisation):
/// per output row (the view (shape[0], -1)) and then for the whole tensor as one row, if
/// max |cos(grad row, w row)| < delta / sqrt(row length), u -= w_n <w_n, u> per row with
/// w_n = w row / (||w row|| + eps), and the first view that fires ends the test. Then
/// p *= 1 - lr weight_decay (wd_ratio if projected, else 1); p -= lr / (1 - b1^t) u.
/// Without a projection a step equals Adam's (nesterov off, weight decay 0).
class AdamP : public Optimizer {
public:
    /// What the projection did at a parameter's last step.
    enum class Projection { None = 0, Channel = 1, Layer = 2 };

    /// Throws for a negative lr or weight decay, betas outside [0, 1), eps <= 0 or delta < 0.
    AdamP(std::vector<Tensor*> params, AdamPOptions opt = {});
    const char* name() const override { return "adamp"; }
    void step(double grad_scale = 1.0) override;
    void zero_grad() override;
    void set_lr(double lr) override;
    double lr() const override { return opt_.lr; }
    std::int64_t steps() const override { return step_; }
    /// Also every parameter's own step count (a restored run had gradients for all at every step).
    void set_steps(std::int64_t s) override;
    std::vector<std::pair<std::string, Tensor*>> state_of(std::size_t i) override {
        return {{"exp_avg", &m_.at(i)}, {"exp_avg_sq", &v_.at(i)}};
    }
    Projection last_projection(std::size_t i) const { return projected_.at(i); }

private:
    std::vector<Tensor*> params_;
    std::vector<Tensor> m_, v_;
    std::vector<Projection> projected_;
    // Bias correction counts a parameter's own steps, as PyTorch's per-parameter state["step"]: a
    // parameter without a gradient at a step is skipped and its count stays.
    std::vector<std::int64_t> param_steps_;
    AdamPOptions opt_;
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

/// lr0 (1 + cos(pi epoch / t_max)) / 2: PyTorch's CosineAnnealingLR with eta_min 0, stepped once per
/// epoch (PCME's schedule, spec 3.3), set at the start of each epoch (epoch from 0). Past t_max the
/// cosine rises again, as PyTorch's closed form does.
double cosine_lr(double lr0, std::int64_t epoch, std::int64_t t_max);

/// lr0 * 0.1^(epoch / lr_update): the official schedule, set at the start of each epoch (epoch from 0).
double step_decay_lr(double lr0, std::int64_t epoch, std::int64_t lr_update);

}  // namespace imram::train
