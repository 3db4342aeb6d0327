// SPDX-License-Identifier: MIT
// softmax / log_softmax with an optional validity mask, l2norm, cosine_similarity: fused ops with
// their own backward kernels (no composition), as the IMRAM attention path needs them fast and exact.
#include "core/ops/common.h"

namespace imram {
namespace {

Tensor softmax_impl(const char* name, bool log, const Tensor& x_in, std::int64_t dim_in, const Tensor& valid_in) {
    detail::check_floating(name, x_in);
    IMRAM_CHECK(x_in.dim() > 0, name, ": needs at least one dim, got ", x_in.describe());
    const int dim = wrap_dim(dim_in, x_in.dim(), name);
    const Tensor x = x_in.contiguous();
    Tensor valid;
    if (valid_in.defined()) {
        IMRAM_CHECK(valid_in.dtype() == DType::Bool, name, ": valid mask must be bool, got ", valid_in.describe());
        IMRAM_CHECK(valid_in.device() == x.device(), name, ": mask on ", valid_in.device(), ", x on ", x.device());
        IMRAM_CHECK(broadcast_shapes(valid_in.shape(), x.shape(), name) == x.shape(), name, ": mask ", valid_in.shape(),
                    " does not broadcast to x ", x.shape());
        autograd::NoGradGuard no_grad;
        valid = expand(valid_in, x.shape()).contiguous();
    }
    const auto [O, R, I] = detail::split_at(x.shape(), dim);
    const std::uint8_t* vp = valid.defined() ? valid.data<std::uint8_t>() : nullptr;
    Tensor y = empty_like(x);
    IMRAM_FLOAT_SWITCH(
        x.dtype(), name, T,
        IMRAM_DISPATCH(x.device(), softmax_fwd, (SoftmaxArgs<T>{x.data<T>(), vp, y.data<T>(), O, R, I, log})));
    autograd::record(
        name, {x_in}, {y}, [name, log, y = y.detach(), valid, O = O, R = R, I = I](const std::vector<Tensor>& g) {
            Tensor dy = g[0].contiguous();
            Tensor dx = empty_like(y);
            const std::uint8_t* vp = valid.defined() ? valid.data<std::uint8_t>() : nullptr;
            IMRAM_FLOAT_SWITCH(
                y.dtype(), name, T,
                IMRAM_DISPATCH(y.device(), softmax_bwd,
                               (SoftmaxBwdArgs<T>{y.data<T>(), vp, dy.data<T>(), dx.data<T>(), O, R, I, log})));
            return std::vector<Tensor>{dx};
        });
    return y;
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t dim, const Tensor& valid) {
    return softmax_impl("softmax", false, x, dim, valid);
}
Tensor log_softmax(const Tensor& x, std::int64_t dim, const Tensor& valid) {
    return softmax_impl("log_softmax", true, x, dim, valid);
}

Tensor l2norm(const Tensor& x_in, double eps) {
    detail::check_floating("l2norm", x_in);
    IMRAM_CHECK(x_in.dim() >= 1 && x_in.size(-1) > 0, "l2norm: expected x of shape (..., D > 0), got ",
                x_in.describe());
    IMRAM_CHECK(eps >= 0, "l2norm: eps must be >= 0, got ", eps);
    const Tensor x = x_in.contiguous();
    const std::int64_t D = x.size(-1), N = x.numel() / D;
    Tensor y = empty_like(x);
    Tensor nrm = empty({N}, x.dtype(), x.device());
    IMRAM_FLOAT_SWITCH(
        x.dtype(), "l2norm", T,
        IMRAM_DISPATCH(x.device(), l2norm_fwd,
                       (L2NormArgs<T>{x.data<T>(), y.data<T>(), nrm.data<T>(), N, D, static_cast<T>(eps)})));
    autograd::record("l2norm", {x_in}, {y}, [y = y.detach(), nrm, N, D, eps](const std::vector<Tensor>& g) {
        Tensor dy = g[0].contiguous();
        Tensor dx = empty_like(y);
        IMRAM_FLOAT_SWITCH(y.dtype(), "l2norm", T,
                           IMRAM_DISPATCH(y.device(), l2norm_bwd,
                                          (L2NormBwdArgs<T>{dy.data<T>(), y.data<T>(), nrm.data<T>(), dx.data<T>(), N,
                                                            D, static_cast<T>(eps)})));
        return std::vector<Tensor>{dx};
    });
    return y;
}

Tensor cosine_similarity(const Tensor& a_in, const Tensor& b_in, double eps) {
    detail::check_floating("cosine_similarity", a_in);
    detail::check_same("cosine_similarity", a_in, {b_in});
    IMRAM_CHECK(a_in.shape() == b_in.shape() && a_in.dim() >= 1 && a_in.size(-1) > 0,
                "cosine_similarity: expected a and b of one shape (..., D > 0), got ", a_in.shape(), " and ",
                b_in.shape());
    const Tensor a = a_in.contiguous(), b = b_in.contiguous();
    const std::int64_t D = a.size(-1), N = a.numel() / D;
    Shape out_shape(a.shape().begin(), a.shape().end() - 1);
    Tensor y = empty(out_shape, a.dtype(), a.device());
    IMRAM_FLOAT_SWITCH(
        a.dtype(), "cosine_similarity", T,
        IMRAM_DISPATCH(a.device(), cosine_fwd,
                       (CosineArgs<T>{a.data<T>(), b.data<T>(), y.data<T>(), N, D, static_cast<T>(eps)})));
    autograd::record("cosine_similarity", {a_in, b_in}, {y},
                     [a = a.detach(), b = b.detach(), N, D, eps](const std::vector<Tensor>& g) {
                         Tensor dy = g[0].contiguous();
                         Tensor da = empty_like(a), db = empty_like(b);
                         IMRAM_FLOAT_SWITCH(
                             a.dtype(), "cosine_similarity", T,
                             IMRAM_DISPATCH(a.device(), cosine_bwd,
                                            (CosineBwdArgs<T>{a.data<T>(), b.data<T>(), dy.data<T>(), da.data<T>(),
                                                              db.data<T>(), N, D, static_cast<T>(eps)})));
                         return std::vector<Tensor>{da, db};
                     });
    return y;
}

}  // namespace imram
