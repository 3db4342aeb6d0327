// SPDX-License-Identifier: MIT
// scaled_dot_attention: the fused front-end (validation, dispatch, backward) of masked scaled-dot-product
// attention per pair, CAMP's message passing and refinement (spec 1.4-1.6). The maths is in
// docs/ops.md#scaled_dot_attention.
#include <cmath>

#include "core/ops/common.h"

namespace imram {

Tensor scaled_dot_attention(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, const Tensor& key_valid_in,
                            double scale) {
    detail::check_floating("scaled_dot_attention", q_in);
    detail::check_same("scaled_dot_attention", q_in, {k_in, v_in});
    IMRAM_CHECK(q_in.dim() == 3 && k_in.dim() == 3 && v_in.dim() == 3,
                "scaled_dot_attention: expected q (P, n, Dk), k (P, m, Dk), v (P, m, Dv), got ", q_in.describe(), ", ",
                k_in.describe(), ", ", v_in.describe());
    const std::int64_t P = q_in.size(0), n = q_in.size(1), Dk = q_in.size(2), m = k_in.size(1), Dv = v_in.size(2);
    IMRAM_CHECK(k_in.size(0) == P && k_in.size(2) == Dk && v_in.size(0) == P && v_in.size(1) == m,
                "scaled_dot_attention: k must be (", P, ", m, ", Dk, ") and v (", P, ", m, Dv) with the same m, got ",
                k_in.shape(), " and ", v_in.shape(), " for q ", q_in.shape());
    IMRAM_CHECK(std::isfinite(scale), "scaled_dot_attention: scale must be finite, got ", scale);
    if (key_valid_in.defined()) {
        IMRAM_CHECK(key_valid_in.dtype() == DType::Bool && key_valid_in.shape() == Shape({P, m}),
                    "scaled_dot_attention: key_valid must be bool (", P, ", ", m, "), got ", key_valid_in.describe());
        IMRAM_CHECK(key_valid_in.device() == q_in.device(), "scaled_dot_attention: key_valid on ",
                    key_valid_in.device(), ", q on ", q_in.device());
    }
    const Tensor q = q_in.contiguous(), k = k_in.contiguous(), v = v_in.contiguous();
    const Tensor valid = key_valid_in.defined() ? key_valid_in.contiguous() : Tensor();
    const std::uint8_t* vp = valid.defined() ? valid.data<std::uint8_t>() : nullptr;
    Tensor probs = empty({P, n, m}, q.dtype(), q.device());
    Tensor out = empty({P, n, Dv}, q.dtype(), q.device());
    IMRAM_FLOAT_SWITCH(q.dtype(), "scaled_dot_attention", T,
                       IMRAM_DISPATCH(q.device(), scaled_dot_attention_fwd,
                                      (ScaledDotAttentionArgs<T>{q.data<T>(), k.data<T>(), v.data<T>(), vp,
                                                                 probs.data<T>(), out.data<T>(), P, n, m, Dk, Dv,
                                                                 static_cast<T>(scale)})));
    autograd::record(
        "scaled_dot_attention", {q_in, k_in, v_in}, {out},
        [q = q.detach(), k = k.detach(), v = v.detach(), probs = probs.detach(), P, n, m, Dk, Dv,
         scale](const std::vector<Tensor>& g) {
            const Tensor dout = g[0].contiguous();
            Tensor dq = empty_like(q), dk = empty_like(k), dv = empty_like(v);
            Tensor ds = empty({P, n, m}, q.dtype(), q.device());  // workspace: the logits' gradient
            IMRAM_FLOAT_SWITCH(
                q.dtype(), "scaled_dot_attention", T,
                IMRAM_DISPATCH(q.device(), scaled_dot_attention_bwd,
                               (ScaledDotAttentionBwdArgs<T>{q.data<T>(), k.data<T>(), v.data<T>(), probs.data<T>(),
                                                             dout.data<T>(), ds.data<T>(), dq.data<T>(), dk.data<T>(),
                                                             dv.data<T>(), P, n, m, Dk, Dv, static_cast<T>(scale)})));
            return std::vector<Tensor>{dq, dk, dv};
        });
    return out;
}

}  // namespace imram
