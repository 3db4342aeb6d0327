// SPDX-License-Identifier: MIT
// Small inputs that every family's pairwise scoring builds: index tensors for gathering items per pair,
// and the word-validity mask of padded captions.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace imram::models {

/// v as an i64 index tensor (on the ref device; the ops move indices where they are needed).
Tensor index_tensor(const std::vector<std::int64_t>& v);
/// valid[p, t] = t < lengths[p], Bool (P, L) on `dev`.
Tensor length_mask(const std::vector<std::int64_t>& lengths, std::int64_t L, Device dev);

}  // namespace imram::models
