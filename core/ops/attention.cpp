// SPDX-License-Identifier: MIT
// clipped_attention: the fused front-end (validation, dispatch, backward) of the IMRAM/SCAN attention
// weights. The maths is in kernels/clipped_attention_impl.h.
#include "core/ops/common.h"

namespace imram {
namespace {
Tensor checked_mask(const Tensor& m, const Shape& want, const Tensor& like, const char* which) {
    if (!m.defined()) return m;
    IMRAM_CHECK(m.dtype() == DType::Bool && m.shape() == want, "clipped_attention: ", which, " must be bool ", want,
                ", got ", m.describe());
    IMRAM_CHECK(m.device() == like.device(), "clipped_attention: ", which, " on ", m.device(), ", logits on ",
                like.device());
    return m.contiguous();
}
}  // namespace

Tensor clipped_attention(const Tensor& logits_in, const Tensor& q_valid_in, const Tensor& c_valid_in, double lambda,
                         double eps) {
    detail::check_floating("clipped_attention", logits_in);
    IMRAM_CHECK(logits_in.dim() == 3, "clipped_attention: expected logits (P, Ls, Lq), got ", logits_in.describe());
    IMRAM_CHECK(lambda > 0 && eps >= 0, "clipped_attention: need lambda > 0 and eps >= 0, got ", lambda, " and ", eps);
    const Tensor A = logits_in.contiguous();
    const std::int64_t P = A.size(0), Ls = A.size(1), Lq = A.size(2);
    const Tensor qv = checked_mask(q_valid_in, {P, Lq}, A, "q_valid");
    const Tensor cv = checked_mask(c_valid_in, {P, Ls}, A, "c_valid");
    Tensor alpha = empty({P, Lq, Ls}, A.dtype(), A.device());
    Tensor nrm = empty({P, Ls}, A.dtype(), A.device());
    const std::uint8_t* qp = qv.defined() ? qv.data<std::uint8_t>() : nullptr;
    const std::uint8_t* cp = cv.defined() ? cv.data<std::uint8_t>() : nullptr;
    IMRAM_FLOAT_SWITCH(A.dtype(), "clipped_attention", T,
                       IMRAM_DISPATCH(A.device(), clipped_attention_fwd,
                                      (ClippedAttentionArgs<T>{A.data<T>(), qp, cp, alpha.data<T>(), nrm.data<T>(), P, Ls,
                                                               Lq, static_cast<T>(lambda), static_cast<T>(eps)})));
    autograd::record("clipped_attention", {logits_in}, {alpha},
                     [A = A.detach(), qv, cv, alpha = alpha.detach(), nrm, P, Ls, Lq, lambda, eps](const std::vector<Tensor>& g) {
                         const Tensor da = g[0].contiguous();
                         Tensor dA = empty_like(A);
                         const std::uint8_t* qp = qv.defined() ? qv.data<std::uint8_t>() : nullptr;
                         const std::uint8_t* cp = cv.defined() ? cv.data<std::uint8_t>() : nullptr;
                         IMRAM_FLOAT_SWITCH(A.dtype(), "clipped_attention", T,
                                            IMRAM_DISPATCH(A.device(), clipped_attention_bwd,
                                                           (ClippedAttentionBwdArgs<T>{
                                                               A.data<T>(), qp, cp, alpha.data<T>(), nrm.data<T>(),
                                                               da.data<T>(), dA.data<T>(), P, Ls, Lq,
                                                               static_cast<T>(lambda), static_cast<T>(eps)})));
                         return std::vector<Tensor>{dA};
                     });
    return alpha;
}

}  // namespace imram
