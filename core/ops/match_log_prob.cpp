// SPDX-License-Identifier: MIT
// match_log_prob: the fused front-end (validation, dispatch, backward) of PCME's log match probability
// over the K x J sample pairs of two items. The maths is in docs/ops.md#match_log_prob.
//
// The reference kernel forms every difference za_nk - zb_mj; the cpu and cuda kernels use the Gram form
// d^2 = |za|^2 + |zb|^2 - 2 <za, zb> (clamped at 0), so the distances and the gradients to za and zb are
// GEMMs. In float that form loses precision when two samples nearly coincide (cancellation); the 1e-6
// inside the root keeps d, and with it the derivative 1 / d, bounded there.
#include "core/ops/common.h"

namespace imram {

Tensor match_log_prob(const Tensor& za_in, const Tensor& zb_in, const Tensor& a_in, const Tensor& b_in,
                      const Tensor& positive_in) {
    detail::check_floating("match_log_prob", za_in);
    detail::check_same("match_log_prob", za_in, {zb_in, a_in, b_in, positive_in});
    IMRAM_CHECK(za_in.dim() == 3 && za_in.size(1) > 0 && za_in.size(2) > 0,
                "match_log_prob: expected za of shape (N, K > 0, D > 0), got ", za_in.describe());
    const std::int64_t N = za_in.size(0), K = za_in.size(1), D = za_in.size(2);
    IMRAM_CHECK(zb_in.dim() == 3 && zb_in.size(1) > 0 && zb_in.size(2) == D, "match_log_prob: zb must be (M, J > 0, ",
                D, ") for za ", za_in.shape(), ", got ", zb_in.describe());
    const std::int64_t M = zb_in.size(0), J = zb_in.size(1);
    IMRAM_CHECK(a_in.shape() == Shape({1}), "match_log_prob: negative_scale must have shape (1), got ",
                a_in.describe());
    IMRAM_CHECK(b_in.shape() == Shape({1}), "match_log_prob: shift must have shape (1), got ", b_in.describe());
    if (positive_in.defined())
        IMRAM_CHECK(positive_in.shape() == Shape({N, M}), "match_log_prob: positive must be (N, M) = (", N, ", ", M,
                    ") for za ", za_in.shape(), " and zb ", zb_in.shape(), ", got ", positive_in.describe());
    const Tensor za = za_in.contiguous(), zb = zb_in.contiguous(), a = a_in.contiguous(), b = b_in.contiguous();
    // The mask selects the sign of each pair; it is data, not a variable.
    const Tensor pos = positive_in.defined() ? positive_in.contiguous().detach() : Tensor();
    Tensor out = empty({N, M}, za.dtype(), za.device());
    IMRAM_FLOAT_SWITCH(
        za.dtype(), "match_log_prob", T,
        IMRAM_DISPATCH(za.device(), match_log_prob_fwd,
                       (MatchLogProbArgs<T>{za.data<T>(), zb.data<T>(), a.data<T>(), b.data<T>(),
                                            pos.defined() ? pos.data<T>() : nullptr, out.data<T>(), N, M, K, J, D})));
    // The backward recomputes the distances (GEMMs in the fast kernels) instead of keeping the
    // (N K) x (M J) of them: at evaluation sizes that matrix would not fit.
    autograd::record("match_log_prob", {za_in, zb_in, a_in, b_in}, {out},
                     [za = za.detach(), zb = zb.detach(), a = a.detach(), b = b.detach(), pos, N, M, K, J,
                      D](const std::vector<Tensor>& g) {
                         const Tensor dout = g[0].contiguous();
                         Tensor dza = empty_like(za), dzb = empty_like(zb), da = empty_like(a), db = empty_like(b);
                         IMRAM_FLOAT_SWITCH(
                             za.dtype(), "match_log_prob", T,
                             IMRAM_DISPATCH(za.device(), match_log_prob_bwd,
                                            (MatchLogProbBwdArgs<T>{
                                                za.data<T>(), zb.data<T>(), a.data<T>(), b.data<T>(),
                                                pos.defined() ? pos.data<T>() : nullptr, dout.data<T>(), dza.data<T>(),
                                                dzb.data<T>(), da.data<T>(), db.data<T>(), N, M, K, J, D})));
                         return std::vector<Tensor>{dza, dzb, da, db};
                     });
    return out;
}

}  // namespace imram
