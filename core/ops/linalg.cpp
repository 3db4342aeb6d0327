// SPDX-License-Identifier: MIT
// matmul, bmm, linear on one batched row-major GEMM kernel; backward reuses it with transposes:
//   C = A B   =>   dA = dC B^T,   dB = A^T dC.
#include "core/ops/common.h"

namespace imram {
namespace {

using detail::gemm_into;

/// Number of rows of a (..., K) tensor: the product of all but the last size (valid when K == 0).
std::int64_t rows_of(const Tensor& t) {
    return shape_numel(Shape(t.shape().begin(), t.shape().end() - 1));
}

void check_mm(const char* op, const Tensor& a, const Tensor& b) {
    detail::check_floating(op, a);
    detail::check_floating(op, b);
    detail::check_same(op, a, {b});
}

}  // namespace

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
    check_mm("matmul", a_in, b_in);
    IMRAM_CHECK(a_in.dim() >= 2 && b_in.dim() == 2, "matmul: expected a (..., M, K) and b (K, N), got ", a_in.shape(),
                " and ", b_in.shape(), " (use bmm for batched right-hand sides)");
    const std::int64_t K = a_in.size(-1), N = b_in.size(1);
    IMRAM_CHECK(b_in.size(0) == K, "matmul: inner dims differ: a ", a_in.shape(), " has K = ", K, " but b ",
                b_in.shape(), " has K = ", b_in.size(0));
    const Tensor a = a_in.contiguous(), b = b_in.contiguous();
    const std::int64_t M = rows_of(a);
    Shape out_shape = a.shape();
    out_shape.back() = N;
    Tensor out = empty(out_shape, a.dtype(), a.device());
    gemm_into(out, a, false, b, false, 1, M, N, K, 0.0);
    autograd::record("matmul", {a_in, b_in}, {out},
                     [a = a.detach(), b = b.detach(), M, N, K, ga = a_in.requires_grad(),
                      gb = b_in.requires_grad()](const std::vector<Tensor>& g) {
                         Tensor dc = g[0].contiguous();
                         Tensor da, db;
                         if (ga) {
                             da = empty(a.shape(), a.dtype(), a.device());  // (M, K) = dC (M, N) B^T
                             gemm_into(da, dc, false, b, true, 1, M, K, N, 0.0);
                         }
                         if (gb) {
                             db = empty(b.shape(), b.dtype(), b.device());  // (K, N) = A^T (K, M) dC
                             gemm_into(db, a, true, dc, false, 1, K, N, M, 0.0);
                         }
                         return std::vector<Tensor>{da, db};
                     });
    return out;
}

Tensor bmm(const Tensor& a_in, const Tensor& b_in) {
    check_mm("bmm", a_in, b_in);
    IMRAM_CHECK(a_in.dim() == 3 && b_in.dim() == 3 && a_in.size(0) == b_in.size(0) && a_in.size(2) == b_in.size(1),
                "bmm: expected a (B, M, K) and b (B, K, N), got ", a_in.shape(), " and ", b_in.shape());
    const Tensor a = a_in.contiguous(), b = b_in.contiguous();
    const std::int64_t B = a.size(0), M = a.size(1), K = a.size(2), N = b.size(2);
    Tensor out = empty({B, M, N}, a.dtype(), a.device());
    gemm_into(out, a, false, b, false, B, M, N, K, 0.0);
    autograd::record("bmm", {a_in, b_in}, {out},
                     [a = a.detach(), b = b.detach(), B, M, N, K, ga = a_in.requires_grad(),
                      gb = b_in.requires_grad()](const std::vector<Tensor>& g) {
                         Tensor dc = g[0].contiguous();
                         Tensor da, db;
                         if (ga) {
                             da = empty(a.shape(), a.dtype(), a.device());
                             gemm_into(da, dc, false, b, true, B, M, K, N, 0.0);
                         }
                         if (gb) {
                             db = empty(b.shape(), b.dtype(), b.device());
                             gemm_into(db, a, true, dc, false, B, K, N, M, 0.0);
                         }
                         return std::vector<Tensor>{da, db};
                     });
    return out;
}

Tensor linear(const Tensor& x_in, const Tensor& w_in, const Tensor& bias) {
    check_mm("linear", x_in, w_in);
    detail::check_same("linear", x_in, {bias});
    IMRAM_CHECK(x_in.dim() >= 1 && w_in.dim() == 2 && x_in.size(-1) == w_in.size(1),
                "linear: expected x (..., K) and weight (N, K), got x ", x_in.shape(), " and weight ", w_in.shape());
    const std::int64_t K = w_in.size(1), N = w_in.size(0);
    IMRAM_CHECK(!bias.defined() || bias.shape() == Shape{N}, "linear: bias must have shape [", N, "], got ",
                bias.shape());
    const Tensor x = x_in.contiguous(), w = w_in.contiguous();
    const std::int64_t M = rows_of(x);
    Shape out_shape = x.shape();
    out_shape.back() = N;
    Tensor out;
    if (bias.defined()) {
        autograd::NoGradGuard no_grad;  // beta = 1 adds the product onto these bias rows
        out = reshape(expand(bias.detach(), {M, N}).contiguous(), out_shape);
    } else {
        out = empty(out_shape, x.dtype(), x.device());
    }
    // A layer's products may run in bf16 (kernels/cpu/bf16.h): without the tape (evaluation, encoding,
    // mining) in the GEMM precision, on the tape (forward and both backward products) in the tape's.
    const bool taped = autograd::grad_enabled() && (x_in.requires_grad() || w_in.requires_grad() ||
                                                    (bias.defined() && bias.requires_grad()));
    gemm_into(out, x, false, w, true, 1, M, N, K, bias.defined() ? 1.0 : 0.0, true, true, true, taped);
    autograd::record("linear", {x_in, w_in, bias}, {out},
                     [x = x.detach(), w = w.detach(), M, N, K, gx = x_in.requires_grad(), gw = w_in.requires_grad(),
                      gbias = bias.defined() && bias.requires_grad()](const std::vector<Tensor>& g) {
                         Tensor dy = g[0].contiguous();
                         Tensor dx, dw, db;
                         if (gx) {
                             dx = empty(x.shape(), x.dtype(), x.device());  // (M, K) = dY (M, N) W (N, K)
                             gemm_into(dx, dy, false, w, false, 1, M, K, N, 0.0, true, true, true, true);
                         }
                         if (gw) {
                             dw = empty(w.shape(), w.dtype(), w.device());  // (N, K) = dY^T (N, M) X (M, K)
                             gemm_into(dw, dy, true, x, false, 1, N, K, M, 0.0, true, true, true, true);
                         }
                         if (gbias) db = sum(reshape(dy, {M, N}), {0});
                         return std::vector<Tensor>{dx, dw, db};
                     });
    return out;
}

}  // namespace imram
