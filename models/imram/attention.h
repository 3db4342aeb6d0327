// SPDX-License-Identifier: MIT
// The pieces of one IMRAM matching step, each over a batch of P (query item, context item) pairs.
#pragma once

#include "core/tensor.h"
#include "models/imram/config.h"
#include "nn/layers.h"

namespace imram::models {

/// Raw attention logits A[p, s, q] = <context_s, query_q> (P, Ls, Lq) for query (P, Lq, D) and context
/// (P, Ls, D): one batched GEMM. The weights are clipped_attention(A, ...) (docs/IMRAM_SPEC.md 1.3) and
/// the step-1 logits also feed gram_cosine.
Tensor attention_logits(const Tensor& query, const Tensor& context);

/// The memory unit's weights split by what they multiply (exact: W [q; c] = W^q q + W^c c):
/// wq, wc (2D, D) stack the linear (o) and gate (g) rows; bias (2D) = [b_o; b_g].
struct MemoryWeights {
    Tensor wq, wc, bias;
};
MemoryWeights split_memory(const nn::Linear& linear, const nn::Linear& gate);

/// Per-pair aggregate of per-fragment similarities r (P, Lq) over the valid fragments (SCAN's
/// agg_func): the mean, log(sum exp(lambda_lse r)) / lambda_lse, the maximum, or the sum.
Tensor pool_fragments(const Tensor& r, const Tensor& valid, Agg agg, double lambda_lse);

}  // namespace imram::models
