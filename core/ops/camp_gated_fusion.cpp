// SPDX-License-Identifier: MIT
// camp_gated_fusion: the fused front-end (validation, dispatch, backward) of CAMP's scalar gate, gated
// fusion and residual after the fusion layer. The maths is in docs/ops.md#camp_gated_fusion.
#include "core/ops/common.h"

namespace imram {

Tensor camp_gated_fusion(const Tensor& x_in, const Tensor& f_in, const Tensor& y_in) {
    detail::check_floating("camp_gated_fusion", x_in);
    detail::check_same("camp_gated_fusion", x_in, {f_in, y_in});
    IMRAM_CHECK(x_in.dim() >= 1 && x_in.size(-1) > 0, "camp_gated_fusion: expected x of shape (..., D > 0), got ",
                x_in.describe());
    IMRAM_CHECK(f_in.shape() == x_in.shape(), "camp_gated_fusion: the message f must have x's shape ", x_in.shape(),
                ", got ", f_in.shape());
    IMRAM_CHECK(y_in.shape() == x_in.shape(), "camp_gated_fusion: the fusion output y must have x's shape ",
                x_in.shape(), ", got ", y_in.shape());
    const Tensor x = x_in.contiguous(), f = f_in.contiguous(), y = y_in.contiguous();
    const std::int64_t D = x.size(-1), N = x.numel() / D;
    Tensor h = empty_like(x);
    // The gate is one scalar a row: kept for backward rather than recomputed from another pass over x and f.
    Tensor gate = empty({N}, x.dtype(), x.device());
    IMRAM_FLOAT_SWITCH(x.dtype(), "camp_gated_fusion", T,
                       IMRAM_DISPATCH(x.device(), camp_gated_fusion_fwd,
                                      (CampGatedFusionArgs<T>{x.data<T>(), f.data<T>(), y.data<T>(), h.data<T>(),
                                                              gate.data<T>(), N, D})));
    autograd::record("camp_gated_fusion", {x_in, f_in, y_in}, {h},
                     [x = x.detach(), f = f.detach(), y = y.detach(), gate, N, D](const std::vector<Tensor>& g) {
                         const Tensor dh = g[0].contiguous();
                         Tensor dx = empty_like(x), df = empty_like(f), dy = empty_like(y);
                         IMRAM_FLOAT_SWITCH(
                             x.dtype(), "camp_gated_fusion", T,
                             IMRAM_DISPATCH(x.device(), camp_gated_fusion_bwd,
                                            (CampGatedFusionBwdArgs<T>{x.data<T>(), f.data<T>(), y.data<T>(),
                                                                       gate.data<T>(), dh.data<T>(), dx.data<T>(),
                                                                       df.data<T>(), dy.data<T>(), N, D})));
                         return std::vector<Tensor>{dx, df, dy};
                     });
    return h;
}

}  // namespace imram
