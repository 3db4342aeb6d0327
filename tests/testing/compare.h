// SPDX-License-Identifier: MIT
// Error metrics for comparing tensors on the host.
#pragma once

#include <string>

#include "core/tensor.h"

namespace imram::testing {

struct Diff {
    double max_abs = 0;    // max |a - b|
    double ref_scale = 0;  // max |b|
    std::int64_t worst = -1;
    double rel() const { return max_abs / (ref_scale > 0 ? ref_scale : 1.0); }
};

/// a against reference b (same shape; any dtype/device on the host).
Diff diff(const Tensor& a, const Tensor& b);
std::string describe_diff(const Diff& d, const Tensor& a, const Tensor& b);
/// A fresh leaf with t's values that collects its gradient (the fused-op tests feed one copy to the
/// fused op and one to its composed form).
inline Tensor leaf(const Tensor& t) {
    return t.clone().detach().set_requires_grad();
}

}  // namespace imram::testing
