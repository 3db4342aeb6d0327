// SPDX-License-Identifier: MIT
// Module: a node in a tree of layers that owns named parameters. Names are hierarchical and dotted
// ("txt_enc.rnn.weight_ih_l0") so they match the official PyTorch state-dict keys.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace imram::nn {

class Module {
public:
    Module() = default;
    virtual ~Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    /// Every parameter of this module and its children, depth first, in registration order.
    std::vector<std::pair<std::string, Tensor*>> named_parameters();
    std::vector<Tensor*> parameters();
    std::int64_t num_parameters();
    /// Drops the gradients of every parameter.
    void zero_grad();

    void train(bool on = true);
    void eval() { train(false); }
    bool training() const { return training_; }

protected:
    /// Registers `t` (a member of the derived class) under `name`; marks it as requiring grad.
    void register_parameter(const std::string& name, Tensor& t);
    void register_module(const std::string& name, Module& m);

private:
    void collect(const std::string& prefix, std::vector<std::pair<std::string, Tensor*>>& out);
    std::vector<std::pair<std::string, Tensor*>> params_;
    std::vector<std::pair<std::string, Module*>> children_;
    bool training_ = true;
};

}  // namespace imram::nn
