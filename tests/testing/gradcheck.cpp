// SPDX-License-Identifier: MIT
#include "tests/testing/gradcheck.h"

#include <cmath>
#include <sstream>

#include "core/autograd.h"

namespace imram::testing {

GradcheckResult gradcheck(const std::function<Tensor()>& loss, const std::vector<Tensor*>& inputs, double h,
                          double rtol, double atol) {
    for (Tensor* t : inputs) t->zero_grad();
    Tensor l = loss();
    IMRAM_CHECK(l.defined() && l.requires_grad(), "gradcheck: the loss does not depend on any input");
    l.backward();
    GradcheckResult r;
    NoGradGuard no_grad;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        Tensor& x = *inputs[k];
        IMRAM_CHECK(x.dtype() == DType::F64 && x.is_contiguous(), "gradcheck: inputs must be contiguous f64, got ",
                    x.describe());
        const Tensor analytic = x.grad().defined() ? x.grad() : zeros_like(x);
        double* p = x.data<double>();
        for (std::int64_t j = 0; j < x.numel(); ++j) {
            const double saved = p[j];
            p[j] = saved + h;
            const double lp = loss().item<double>();
            p[j] = saved - h;
            const double lm = loss().item<double>();
            p[j] = saved;
            const double numeric = (lp - lm) / (2 * h), a = analytic.at(j);
            ++r.checked;
            if (!(std::fabs(a - numeric) <= atol + rtol * std::fabs(numeric)) && r.ok) {
                r.ok = false;
                std::ostringstream s;
                s << "input " << k << " element " << j << ": analytic " << a << " numeric " << numeric;
                r.first_failure = s.str();
            }
        }
    }
    return r;
}

}  // namespace imram::testing
