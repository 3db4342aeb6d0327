// SPDX-License-Identifier: MIT
// The pieces of one IMRAM matching step, each over a batch of P (query item, context item) pairs.
#pragma once

#include "core/tensor.h"
#include "nn/layers.h"

namespace imram::models {

/// Attention weights with the official clipped_l2norm (docs/IMRAM_SPEC.md 1.3):
///   A = C Q^T (P, Ls, Lq); A = leaky_relu(A, 0.1); A = l2norm over the query axis (pads excluded);
///   alpha = softmax over the context axis of lambda A^T (pads excluded) -> (P, Lq, Ls).
/// The attended vectors are alpha C. q_valid (P, Lq) / c_valid (P, Ls) are Bool masks, or undefined
/// when every position is real.
Tensor attention_weights(const Tensor& query, const Tensor& q_valid, const Tensor& context, const Tensor& c_valid,
                         double lambda);

/// The memory unit's weights split by what they multiply (exact: W [q; c] = W^q q + W^c c):
/// wq, wc (2D, D) stack the linear (o) and gate (g) rows; bias (2D) = [b_o; b_g].
struct MemoryWeights {
    Tensor wq, wc, bias;
};
MemoryWeights split_memory(const nn::Linear& linear, const nn::Linear& gate);

/// Gated memory distillation from pre-activations pre = W [q; c] + b (P, Lq, 2D):
/// o = tanh(pre[:D]), g = sigmoid(pre[D:]), q' = g q + (1 - g) o, l2-normalised unless `no_norm`.
Tensor gated_update(const Tensor& q, const Tensor& pre, bool no_norm);

/// Per-pair aggregate of per-fragment similarities r (P, Lq) over the valid fragments:
/// the mean, or log(sum exp(lambda_lse r)) / lambda_lse.
Tensor pool_fragments(const Tensor& r, const Tensor& valid, bool log_sum_exp, double lambda_lse);

}  // namespace imram::models
