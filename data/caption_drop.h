// SPDX-License-Identifier: MIT
// PCME's train-time caption drop (PCME_SPEC.md 1.3, the official tokenize()): each word of a caption
// becomes <unk> with probability p, then int(p * words) words are deleted at uniformly drawn
// positions, one after another; <start> and <end> stay. Never applied at evaluation.
//
// The official code draws with Python's unseeded `random` in its data workers; here every draw comes
// from the counter-based RNG keyed by (seed, training step, position in the batch), so a run, and a
// resume of it, drops the same words.
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "data/dataset.h"

namespace imram::data {

/// One caption <start> w_1 .. w_n <end> (ids) after the drop, with draws from `rng`: n uniforms for
/// the <unk> replacements, then one index per deletion.
std::vector<std::int64_t> drop_words(const std::vector<std::int64_t>& caption, double p, Philox& rng);

/// Every caption of a training batch dropped with its own stream, keyed by (seed, step, position);
/// the ids are re-padded and the lengths updated. p = 0 leaves the batch as it is.
void drop_batch_words(Batch& b, double p, std::uint64_t seed, std::uint64_t step);

}  // namespace imram::data
