// SPDX-License-Identifier: MIT
// Composed from engine ops, so autograd and every backend come for free; the fused kernels for the
// hot path are tested against this formulation.
#include "models/imram/attention.h"

#include "core/ops.h"

namespace imram::models {
Tensor attention_weights(const Tensor& query, const Tensor& q_valid, const Tensor& context, const Tensor& c_valid,
                         double lambda) {
    IMRAM_CHECK(query.dim() == 3 && context.dim() == 3 && query.size(0) == context.size(0) &&
                    query.size(2) == context.size(2),
                "attention_weights: expected query (P, Lq, D) and context (P, Ls, D), got ", query.shape(), " and ",
                context.shape());
    // Logits by one batched GEMM, then the fused clipped-l2norm + masked softmax (with its own backward).
    return clipped_attention(bmm(context, transpose(query, 1, 2)), q_valid, c_valid, lambda);  // (P, Lq, Ls)
}

MemoryWeights split_memory(const nn::Linear& linear, const nn::Linear& gate) {
    const std::int64_t D = linear.weight.size(0);
    MemoryWeights w;
    w.wq = cat({slice(linear.weight, 1, 0, D), slice(gate.weight, 1, 0, D)}, 0);
    w.wc = cat({slice(linear.weight, 1, D, 2 * D), slice(gate.weight, 1, D, 2 * D)}, 0);
    w.bias = cat({linear.bias, gate.bias}, 0);
    return w;
}

Tensor gated_update(const Tensor& q, const Tensor& pre, bool no_norm) {
    const std::int64_t D = q.size(-1);
    const Tensor o = tanh(slice(pre, -1, 0, D));
    const Tensor g = sigmoid(slice(pre, -1, D, 2 * D));
    const Tensor out = add(o, mul(g, sub(q, o)));  // g q + (1 - g) o
    return no_norm ? out : l2norm(out);
}

Tensor pool_fragments(const Tensor& r, const Tensor& valid, bool log_sum_exp, double lambda_lse) {
    const Tensor vf = valid.defined() ? valid.to(DType::I64).to(r.dtype()) : ones(r.shape(), r.dtype(), r.device());
    if (!log_sum_exp) return div(sum(mul(r, vf), {1}), sum(vf, {1}));
    return mul(log(sum(mul(exp(mul(r, lambda_lse)), vf), {1})), 1.0 / lambda_lse);
}

}  // namespace imram::models
