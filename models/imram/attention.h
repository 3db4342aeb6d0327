// SPDX-License-Identifier: MIT
// The pieces of one IMRAM matching step, each over a batch of P (query item, context item) pairs.
#pragma once

#include "core/tensor.h"
#include "nn/layers.h"

namespace imram::models {

/// Cross attention with the official clipped_l2norm (docs/IMRAM_SPEC.md 1.3):
///   A = C Q^T (P, Ls, Lq); A = leaky_relu(A, 0.1); A = l2norm over the query axis (pads excluded);
///   alpha = softmax over the context axis of lambda A^T (pads excluded); returns alpha C (P, Lq, D).
/// q_valid (P, Lq) / c_valid (P, Ls) are Bool masks, or undefined when every position is real.
Tensor cross_attention(const Tensor& query, const Tensor& q_valid, const Tensor& context, const Tensor& c_valid,
                       double lambda);

/// Gated memory distillation: x = [q; c], o = tanh(W_o x + b_o), g = sigmoid(W_g x + b_g),
/// q' = g q + (1 - g) o, l2-normalised unless `no_norm`.
Tensor gated_memory(const Tensor& q, const Tensor& c, const nn::Linear& linear, const nn::Linear& gate, bool no_norm);

/// Per-pair aggregate of per-fragment similarities r (P, Lq) over the valid fragments:
/// the mean, or log(sum exp(lambda_lse r)) / lambda_lse.
Tensor pool_fragments(const Tensor& r, const Tensor& valid, bool log_sum_exp, double lambda_lse);

}  // namespace imram::models
