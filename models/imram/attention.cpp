// SPDX-License-Identifier: MIT
// Small pieces of the matching step composed from engine ops (autograd and every backend for free); the
// heavy parts are the fused ops clipped_attention, gram_cosine and gated_memory (core/ops.h).
#include "models/imram/attention.h"

#include "core/ops.h"

namespace imram::models {
Tensor attention_logits(const Tensor& query, const Tensor& context) {
    IMRAM_CHECK(query.dim() == 3 && context.dim() == 3 && query.size(0) == context.size(0) &&
                    query.size(2) == context.size(2),
                "attention_logits: expected query (P, Lq, D) and context (P, Ls, D), got ", query.shape(), " and ",
                context.shape());
    return bmm(context, transpose(query, 1, 2));
}

MemoryWeights split_memory(const nn::Linear& linear, const nn::Linear& gate) {
    const std::int64_t D = linear.weight.size(0);
    MemoryWeights w;
    w.wq = cat({slice(linear.weight, 1, 0, D), slice(gate.weight, 1, 0, D)}, 0);
    w.wc = cat({slice(linear.weight, 1, D, 2 * D), slice(gate.weight, 1, D, 2 * D)}, 0);
    w.bias = cat({linear.bias, gate.bias}, 0);
    return w;
}

Tensor pool_fragments(const Tensor& r, const Tensor& valid, Agg agg, double lambda_lse) {
    const Tensor vf = valid.defined() ? valid.to(DType::I64).to(r.dtype()) : ones(r.shape(), r.dtype(), r.device());
    switch (agg) {
        case Agg::Mean: return div(sum(mul(r, vf), {1}), sum(vf, {1}));
        case Agg::Sum: return sum(mul(r, vf), {1});
        case Agg::Max:  // padding positions can never be the maximum (every pair has a valid fragment)
            return max(valid.defined() ? where(valid, r, mul(ones(r.shape(), r.dtype(), r.device()), -1e30)) : r, 1).values;
        case Agg::LogSumExp: break;
    }
    return mul(log(sum(mul(exp(mul(r, lambda_lse)), vf), {1})), 1.0 / lambda_lse);
}

}  // namespace imram::models
