// SPDX-License-Identifier: MIT
// Finite-difference gradient check: compares the tape's gradients of a scalar loss with central
// differences, element by element, on f64 host tensors.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace imram::testing {

struct GradcheckResult {
    bool ok = true;
    std::string first_failure;  // "input 1 element 7: analytic .. numeric .."
    std::int64_t checked = 0;
};

/// `loss` recomputes the scalar loss from the current values of `inputs` (f64, contiguous, on a host
/// device, requiring grad). Requires |analytic - numeric| <= atol + rtol |numeric| for every element.
GradcheckResult gradcheck(const std::function<Tensor()>& loss, const std::vector<Tensor*>& inputs, double h = 1e-6,
                          double rtol = 1e-5, double atol = 1e-6);

}  // namespace imram::testing
