// SPDX-License-Identifier: MIT
#include "nn/init.h"

#include <cmath>
#include <cstring>

#include "base/check.h"

namespace imram::nn {

void uniform_(Tensor& t, double lo, double hi, Philox& rng) {
    IMRAM_CHECK(t.is_contiguous() && is_floating(t.dtype()), "uniform_: expected a contiguous floating tensor, got ",
                t.describe());
    if (!t.device().is_host()) {
        // Same draws as on the host, so a model built on a GPU starts where the CPU one does.
        Tensor h = empty(t.shape(), t.dtype(), Device::cpu());
        uniform_(h, lo, hi, rng);
        t.copy_(h);
        return;
    }
    for (std::int64_t i = 0; i < t.numel(); ++i) {
        const double v = lo + (hi - lo) * rng.uniform();
        if (t.dtype() == DType::F32)
            t.data<float>()[i] = static_cast<float>(v);
        else
            t.data<double>()[i] = v;
    }
}

void zeros_(Tensor& t) {
    IMRAM_CHECK(t.is_contiguous(), "zeros_: expected a contiguous tensor, got ", t.describe());
    t.zero_();
}

void xavier_uniform_(Tensor& w, Philox& rng) {
    IMRAM_CHECK(w.dim() == 2, "xavier_uniform_: expected a 2-d weight, got ", w.describe());
    const double r = std::sqrt(6.0 / static_cast<double>(w.size(0) + w.size(1)));
    uniform_(w, -r, r, rng);
}

void linear_default_(Tensor& w, Philox& rng) {
    IMRAM_CHECK(w.dim() >= 1 && w.size(-1) > 0, "linear_default_: expected (fan_out, fan_in), got ", w.describe());
    const double r = 1.0 / std::sqrt(static_cast<double>(w.size(-1)));
    uniform_(w, -r, r, rng);
}

}  // namespace imram::nn
