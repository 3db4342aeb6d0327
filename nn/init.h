// SPDX-License-Identifier: MIT
// Parameter initialisation, reproducible from (seed, offset) through Philox. Each call consumes
// `t.numel()` counters of the stream, so a model initialised from one seed is identical everywhere.
#pragma once

#include <cstdint>

#include "core/rng.h"
#include "core/tensor.h"

namespace imram::nn {

/// Fills t (host, floating, contiguous) with U(lo, hi) drawn from `rng`.
void uniform_(Tensor& t, double lo, double hi, Philox& rng);
void zeros_(Tensor& t);
/// Xavier/Glorot uniform for a (fan_out, fan_in) weight: U(-r, r), r = sqrt(6 / (fan_in + fan_out)).
void xavier_uniform_(Tensor& w, Philox& rng);
/// PyTorch's nn.Linear default: kaiming_uniform(a = sqrt 5) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
void linear_default_(Tensor& w, Philox& rng);

}  // namespace imram::nn
