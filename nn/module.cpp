// SPDX-License-Identifier: MIT
#include "nn/module.h"

#include "base/check.h"

namespace imram::nn {

void Module::register_parameter(const std::string& name, Tensor& t) {
    IMRAM_CHECK(t.defined() && is_floating(t.dtype()), "register_parameter: '", name,
                "' must be a defined floating tensor, got ", t.describe());
    for (const auto& [n, p] : params_) IMRAM_CHECK(n != name, "register_parameter: '", name, "' registered twice");
    t.set_requires_grad(true);
    params_.emplace_back(name, &t);
}

void Module::register_module(const std::string& name, Module& m) {
    for (const auto& [n, c] : children_) IMRAM_CHECK(n != name, "register_module: '", name, "' registered twice");
    children_.emplace_back(name, &m);
}

void Module::collect(const std::string& prefix, std::vector<std::pair<std::string, Tensor*>>& out) {
    for (auto& [n, p] : params_) out.emplace_back(prefix + n, p);
    for (auto& [n, c] : children_) c->collect(prefix + n + ".", out);
}

std::vector<std::pair<std::string, Tensor*>> Module::named_parameters() {
    std::vector<std::pair<std::string, Tensor*>> out;
    collect("", out);
    return out;
}

std::vector<Tensor*> Module::parameters() {
    std::vector<Tensor*> out;
    for (auto& [n, p] : named_parameters()) out.push_back(p);
    return out;
}

std::int64_t Module::num_parameters() {
    std::int64_t n = 0;
    for (Tensor* p : parameters()) n += p->numel();
    return n;
}

void Module::zero_grad() {
    for (Tensor* p : parameters()) p->zero_grad();
}

void Module::train(bool on) {
    training_ = on;
    for (auto& [n, c] : children_) c->train(on);
}

}  // namespace imram::nn
