// SPDX-License-Identifier: MIT
// The standard-normal draws of PCME's samples (spec 1.4), reproducible and independent of batching:
// the draws of an item come from the counter-based RNG with a key made of the model's sample seed, a
// hash of the item's content (its region features, or its word ids up to its length) and the training
// step (0 for evaluation). So an item gets the same samples in any batch, split or block order, a
// training step draws new ones (the official code draws new ones at every forward), and a resumed run
// draws what the uninterrupted one drew. Two identical items get identical draws. (The official code
// draws unseeded: its evaluation is not reproducible, spec 10.5.)
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace imram::models {

/// eps (N, K, D) for images: features (N, R, F), one key per image.
Tensor image_noise(const Tensor& features, std::int64_t K, std::int64_t D, std::uint64_t seed, std::uint64_t step,
                   DType dt, Device dev);
/// eps (N, K, D) for captions: ids (N, L), hashed up to lengths[i].
Tensor caption_noise(const Tensor& ids, const std::vector<std::int64_t>& lengths, std::int64_t K, std::int64_t D,
                     std::uint64_t seed, std::uint64_t step, DType dt, Device dev);

}  // namespace imram::models
