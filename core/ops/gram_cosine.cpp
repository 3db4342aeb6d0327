// SPDX-License-Identifier: MIT
// gram_cosine: the fused front-end (validation, dispatch, backward) of the cosine between query
// fragments and their attended vectors in the Gram form. The maths is in docs/ops.md#gram_cosine.
#include "core/ops/common.h"

namespace imram {

Tensor gram_cosine(const Tensor& alpha_in, const Tensor& logits_in, const Tensor& gram_in, const Tensor& xnorm_in,
                   double eps) {
    detail::check_floating("gram_cosine", alpha_in);
    detail::check_same("gram_cosine", alpha_in, {logits_in, gram_in, xnorm_in});
    IMRAM_CHECK(alpha_in.dim() == 3 && alpha_in.size(1) > 0 && alpha_in.size(2) > 0,
                "gram_cosine: expected alpha (P, Lq, Ls) with Lq, Ls > 0, got ", alpha_in.describe());
    const std::int64_t P = alpha_in.size(0), Lq = alpha_in.size(1), Ls = alpha_in.size(2);
    IMRAM_CHECK(logits_in.shape() == Shape({P, Ls, Lq}),
                "gram_cosine: logits must be (P, Ls, Lq) = ", Shape({P, Ls, Lq}), " for alpha ", alpha_in.shape(),
                ", got ", logits_in.shape());
    IMRAM_CHECK(gram_in.shape() == Shape({P, Ls, Ls}), "gram_cosine: gram must be (P, Ls, Ls) = ", Shape({P, Ls, Ls}),
                " for alpha ", alpha_in.shape(), ", got ", gram_in.shape());
    IMRAM_CHECK(xnorm_in.shape() == Shape({P, Lq}), "gram_cosine: xnorm must be (P, Lq) = ", Shape({P, Lq}),
                " for alpha ", alpha_in.shape(), ", got ", xnorm_in.shape());
    // eps > 0 keeps the clipped denominator finite for zero vectors (padded fragments, empty attention).
    IMRAM_CHECK(eps > 0, "gram_cosine: need eps > 0, got ", eps);
    const Tensor alpha = alpha_in.contiguous(), A = logits_in.contiguous(), G = gram_in.contiguous(),
                 xn = xnorm_in.contiguous();
    Tensor r = empty({P, Lq}, alpha.dtype(), alpha.device());
    IMRAM_FLOAT_SWITCH(alpha.dtype(), "gram_cosine", T,
                       IMRAM_DISPATCH(alpha.device(), gram_cosine_fwd,
                                      (GramCosineArgs<T>{alpha.data<T>(), A.data<T>(), G.data<T>(), xn.data<T>(),
                                                         r.data<T>(), P, Lq, Ls, static_cast<T>(eps)})));
    autograd::record(
        "gram_cosine", {alpha_in, logits_in, gram_in, xnorm_in}, {r},
        [alpha = alpha.detach(), A = A.detach(), G = G.detach(), xn = xn.detach(), P, Lq, Ls,
         eps](const std::vector<Tensor>& g) {
            const Tensor dr = g[0].contiguous();
            Tensor dalpha = empty_like(alpha), dA = empty_like(A), dG = empty_like(G), dxn = empty_like(xn);
            IMRAM_FLOAT_SWITCH(
                alpha.dtype(), "gram_cosine", T,
                IMRAM_DISPATCH(alpha.device(), gram_cosine_bwd,
                               (GramCosineBwdArgs<T>{alpha.data<T>(), A.data<T>(), G.data<T>(), xn.data<T>(),
                                                     dr.data<T>(), dalpha.data<T>(), dA.data<T>(), dG.data<T>(),
                                                     dxn.data<T>(), P, Lq, Ls, static_cast<T>(eps)})));
            return std::vector<Tensor>{dalpha, dA, dG, dxn};
        });
    return r;
}

}  // namespace imram
