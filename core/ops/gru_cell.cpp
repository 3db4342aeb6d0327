// SPDX-License-Identifier: MIT
// gru_cell: the fused front-end (validation, dispatch, backward) of one GRU step after its GEMMs.
// The maths is in docs/ops.md#gru_cell.
#include "core/ops/common.h"

namespace imram {

Tensor gru_cell(const Tensor& gi_in, const Tensor& gh_in, const Tensor& h_in) {
    detail::check_floating("gru_cell", h_in);
    detail::check_same("gru_cell", h_in, {gi_in, gh_in});
    IMRAM_CHECK(h_in.dim() == 2 && h_in.size(1) > 0, "gru_cell: expected h of shape (B, H > 0), got ",
                h_in.describe());
    const std::int64_t B = h_in.size(0), H = h_in.size(1);
    const Shape want{B, 3 * H};
    IMRAM_CHECK(gi_in.shape() == want, "gru_cell: gi must be (B, 3H) = ", want, " for h ", h_in.shape(), ", got ",
                gi_in.shape());
    IMRAM_CHECK(gh_in.shape() == want, "gru_cell: gh must be (B, 3H) = ", want, " for h ", h_in.shape(), ", got ",
                gh_in.shape());
    const Tensor gi = gi_in.contiguous(), gh = gh_in.contiguous(), h = h_in.contiguous();
    Tensor h_new = empty_like(h);
    IMRAM_FLOAT_SWITCH(
        h.dtype(), "gru_cell", T,
        IMRAM_DISPATCH(h.device(), gru_cell_fwd,
                       (GruCellArgs<T>{gi.data<T>(), gh.data<T>(), h.data<T>(), h_new.data<T>(), B, H})));
    autograd::record("gru_cell", {gi_in, gh_in, h_in}, {h_new},
                     [gi = gi.detach(), gh = gh.detach(), h = h.detach(), B, H](const std::vector<Tensor>& g) {
                         const Tensor dh_new = g[0].contiguous();
                         Tensor dgi = empty_like(gi), dgh = empty_like(gh), dh = empty_like(h);
                         IMRAM_FLOAT_SWITCH(
                             h.dtype(), "gru_cell", T,
                             IMRAM_DISPATCH(h.device(), gru_cell_bwd,
                                            (GruCellBwdArgs<T>{gi.data<T>(), gh.data<T>(), h.data<T>(),
                                                               dh_new.data<T>(), dgi.data<T>(), dgh.data<T>(),
                                                               dh.data<T>(), B, H})));
                         return std::vector<Tensor>{dgi, dgh, dh};
                     });
    return h_new;
}

}  // namespace imram
