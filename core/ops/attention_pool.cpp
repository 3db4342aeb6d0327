// SPDX-License-Identifier: MIT
// attention_pool: the fused front-end (validation, dispatch, backward) of CAMP's SummaryAttn after its
// two linear layers. The maths is in docs/ops.md#attention_pool.
#include "core/ops/common.h"

namespace imram {

Tensor attention_pool(const Tensor& x_in, const Tensor& logits_in, const Tensor& valid_in) {
    detail::check_floating("attention_pool", x_in);
    detail::check_same("attention_pool", x_in, {logits_in});
    IMRAM_CHECK(x_in.dim() == 3 && x_in.size(2) > 0, "attention_pool: expected x of shape (P, n, D > 0), got ",
                x_in.describe());
    const std::int64_t P = x_in.size(0), n = x_in.size(1), D = x_in.size(2);
    IMRAM_CHECK(logits_in.dim() == 3 && logits_in.size(0) == P && logits_in.size(1) == n && logits_in.size(2) > 0,
                "attention_pool: logits must be (P, n, heads) = (", P, ", ", n, ", heads > 0) for x ", x_in.shape(),
                ", got ", logits_in.describe());
    const std::int64_t H = logits_in.size(2);
    if (valid_in.defined()) {
        IMRAM_CHECK(valid_in.dtype() == DType::Bool && valid_in.shape() == Shape({P, n}),
                    "attention_pool: valid must be bool (", P, ", ", n, "), got ", valid_in.describe());
        IMRAM_CHECK(valid_in.device() == x_in.device(), "attention_pool: valid on ", valid_in.device(), ", x on ",
                    x_in.device());
    }
    const Tensor x = x_in.contiguous(), e = logits_in.contiguous();
    const Tensor valid = valid_in.defined() ? valid_in.contiguous() : Tensor();
    const std::uint8_t* vp = valid.defined() ? valid.data<std::uint8_t>() : nullptr;
    Tensor out = empty({P, D}, x.dtype(), x.device());
    Tensor alpha = empty({P, n, H}, x.dtype(), x.device());
    IMRAM_FLOAT_SWITCH(x.dtype(), "attention_pool", T,
                       IMRAM_DISPATCH(x.device(), attention_pool_fwd,
                                      (AttentionPoolArgs<T>{x.data<T>(), e.data<T>(), vp, alpha.data<T>(),
                                                            out.data<T>(), P, n, D, H})));
    autograd::record(
        "attention_pool", {x_in, logits_in}, {out},
        [x = x.detach(), alpha = alpha.detach(), P, n, D, H](const std::vector<Tensor>& g) {
            const Tensor dout = g[0].contiguous();
            Tensor dx = empty_like(x), de = empty_like(alpha);
            Tensor dw = empty({P, n}, x.dtype(), x.device());  // workspace: <x_i, dout> per position
            IMRAM_FLOAT_SWITCH(x.dtype(), "attention_pool", T,
                               IMRAM_DISPATCH(x.device(), attention_pool_bwd,
                                              (AttentionPoolBwdArgs<T>{x.data<T>(), alpha.data<T>(), dout.data<T>(),
                                                                       dw.data<T>(), dx.data<T>(), de.data<T>(), P, n,
                                                                       D, H})));
            return std::vector<Tensor>{dx, de};
        });
    return out;
}

}  // namespace imram
