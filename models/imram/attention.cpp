// SPDX-License-Identifier: MIT
// Composed from engine ops, so autograd and every backend come for free; the fused kernels for the
// hot path are tested against this formulation.
#include "models/imram/attention.h"

#include "core/ops.h"

namespace imram::models {
namespace {
Tensor not_mask(const Tensor& m) {
    // Bool masks are built on the host; 1 - m as bytes.
    std::vector<std::uint8_t> v = m.to_vector<std::uint8_t>();
    for (auto& b : v) b = b ? 0 : 1;
    return from_vector(v, m.shape(), m.device());
}
}  // namespace

Tensor cross_attention(const Tensor& query, const Tensor& q_valid, const Tensor& context, const Tensor& c_valid,
                       double lambda) {
    IMRAM_CHECK(query.dim() == 3 && context.dim() == 3 && query.size(0) == context.size(0) &&
                    query.size(2) == context.size(2),
                "cross_attention: expected query (P, Lq, D) and context (P, Ls, D), got ", query.shape(), " and ",
                context.shape());
    Tensor a = leaky_relu(bmm(context, transpose(query, 1, 2)), 0.1);  // (P, Ls, Lq)
    if (q_valid.defined()) a = masked_fill(a, unsqueeze(not_mask(q_valid), 1), 0.0);
    a = l2norm(a);                                                       // over Lq
    Tensor valid = c_valid.defined() ? unsqueeze(c_valid, 1) : Tensor();  // (P, 1, Ls)
    Tensor alpha = softmax(mul(transpose(a, 1, 2), lambda), -1, valid);   // (P, Lq, Ls)
    return bmm(alpha, context);                                          // (P, Lq, D)
}

Tensor gated_memory(const Tensor& q, const Tensor& c, const nn::Linear& linear, const nn::Linear& gate, bool no_norm) {
    const Tensor x = cat({q, c}, -1);  // (P, Lq, 2D)
    const Tensor o = tanh(linear.forward(x));
    const Tensor g = sigmoid(gate.forward(x));
    const Tensor out = add(o, mul(g, sub(q, o)));  // g q + (1 - g) o
    return no_norm ? out : l2norm(out);
}

Tensor pool_fragments(const Tensor& r, const Tensor& valid, bool log_sum_exp, double lambda_lse) {
    const Tensor vf = valid.defined() ? valid.to(DType::I64).to(r.dtype()) : ones(r.shape(), r.dtype(), r.device());
    if (!log_sum_exp) return div(sum(mul(r, vf), {1}), sum(vf, {1}));
    return mul(log(sum(mul(exp(mul(r, lambda_lse)), vf), {1})), 1.0 / lambda_lse);
}

}  // namespace imram::models
