// SPDX-License-Identifier: MIT
// gated_memory: the fused front-end (validation, dispatch, backward) of IMRAM's memory distillation
// unit after its projections. The maths is in docs/ops.md#gated_memory.
#include "core/ops/common.h"

namespace imram {

Tensor gated_memory(const Tensor& q_in, const Tensor& pre_in, bool normalize, double eps) {
    detail::check_floating("gated_memory", q_in);
    detail::check_same("gated_memory", q_in, {pre_in});
    IMRAM_CHECK(q_in.dim() >= 1 && q_in.size(-1) > 0, "gated_memory: expected q of shape (..., D > 0), got ",
                q_in.describe());
    const std::int64_t D = q_in.size(-1);
    Shape want_pre = q_in.shape();
    want_pre.back() = 2 * D;
    IMRAM_CHECK(pre_in.shape() == want_pre, "gated_memory: pre must be (..., 2D) = ", want_pre, " for q ", q_in.shape(),
                ", got ", pre_in.shape());
    IMRAM_CHECK(eps >= 0, "gated_memory: need eps >= 0, got ", eps);
    const Tensor q = q_in.contiguous(), pre = pre_in.contiguous();
    const std::int64_t N = q.numel() / D;
    Tensor y = empty_like(q);
    Tensor nrm = normalize ? empty({N}, q.dtype(), q.device()) : Tensor();
    auto nrm_ptr = [&nrm](auto zero) { return nrm.defined() ? nrm.data<decltype(zero)>() : nullptr; };
    IMRAM_FLOAT_SWITCH(q.dtype(), "gated_memory", T,
                       IMRAM_DISPATCH(q.device(), gated_memory_fwd,
                                      (GatedMemoryArgs<T>{q.data<T>(), pre.data<T>(), y.data<T>(), nrm_ptr(T{}), N, D,
                                                          normalize, static_cast<T>(eps)})));
    autograd::record(
        "gated_memory", {q_in, pre_in}, {y},
        [q = q.detach(), pre = pre.detach(), y = normalize ? y.detach() : Tensor(), nrm, N, D, normalize,
         eps](const std::vector<Tensor>& g) {
            const Tensor dy = g[0].contiguous();
            Tensor dq = empty_like(q), dpre = empty_like(pre);
            // Only the normalised form needs y and |u| (kept, not recomputed, as l2norm does).
            auto saved = [](const Tensor& t, auto zero) { return t.defined() ? t.data<decltype(zero)>() : nullptr; };
            IMRAM_FLOAT_SWITCH(
                q.dtype(), "gated_memory", T,
                IMRAM_DISPATCH(
                    q.device(), gated_memory_bwd,
                    (GatedMemoryBwdArgs<T>{q.data<T>(), pre.data<T>(), saved(y, T{}), saved(nrm, T{}), dy.data<T>(),
                                           dq.data<T>(), dpre.data<T>(), N, D, normalize, static_cast<T>(eps)})));
            return std::vector<Tensor>{dq, dpre};
        });
    return y;
}

}  // namespace imram
