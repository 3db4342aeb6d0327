// SPDX-License-Identifier: MIT
// gru_sequence: one GRU direction's recurrence over padded sequences as one node of the tape. The maths
// is in docs/ops.md#gru_sequence; each word's gates are the gru_cell kernels.
//
// Why one node rather than a gru_cell and a linear per word: a word's product is B x H by H x 3H with
// B the batch (32), too few rows for a GEMM to run near its rate, and the way the products were laid
// out cost twice over. Forward, linear(h, W_hh) multiplies by W_hh transposed, and at B = 32 rows the
// GEMM libraries run that 1.6 times slower than by a matrix laid out as H x 3H (oneDNN here: 139 against
// 227 GFLOP/s), so W_hh^T is laid out once per call. Backward, each word's linear computed its own
// 12 MB weight gradient and added it to the sum, streaming 48 MB a word; here the words' dgh are kept
// and W_hh's gradient is one GEMM over all of them, sum_t dgh_t^T h_t, and the h gradients use W_hh as
// it is stored. The values are those of the per-word composition up to float rounding.
#include "core/ops/common.h"

namespace imram {
namespace {

/// Row block t of a contiguous (L, B, C) tensor as a contiguous (B, C) view.
Tensor step(const Tensor& x, std::int64_t t) {
    return reshape(slice(x, 0, t, t + 1), {x.size(1), x.size(2)});
}

}  // namespace

Tensor gru_sequence(const Tensor& gx_in, const Tensor& w_hh_in, const Tensor& b_hh_in,
                    const std::vector<std::int64_t>& lengths) {
    detail::check_floating("gru_sequence", gx_in);
    detail::check_same("gru_sequence", gx_in, {w_hh_in, b_hh_in});
    IMRAM_CHECK(w_hh_in.dim() == 2 && w_hh_in.size(1) > 0 && w_hh_in.size(0) == 3 * w_hh_in.size(1),
                "gru_sequence: expected w_hh of shape (3H, H), got ", w_hh_in.describe());
    const std::int64_t H = w_hh_in.size(1);
    IMRAM_CHECK(gx_in.dim() == 3 && gx_in.size(2) == 3 * H && gx_in.size(0) > 0 && gx_in.size(1) > 0,
                "gru_sequence: expected gx of shape (B, L, 3H) = (B, L, ", 3 * H, ") for w_hh ", w_hh_in.shape(),
                ", got ", gx_in.describe());
    IMRAM_CHECK(b_hh_in.defined() && b_hh_in.shape() == Shape{3 * H}, "gru_sequence: expected b_hh of shape [",
                3 * H, "], got ", b_hh_in.defined() ? b_hh_in.describe() : std::string("none"));
    const std::int64_t B = gx_in.size(0), L = gx_in.size(1);
    IMRAM_CHECK(static_cast<std::int64_t>(lengths.size()) == B, "gru_sequence: ", lengths.size(),
                " lengths for a batch of ", B);
    std::vector<std::uint8_t> act(static_cast<std::size_t>(L * B));  // act[t, b]: word t is inside sequence b
    for (std::int64_t b = 0; b < B; ++b) {
        IMRAM_CHECK(lengths[b] >= 1 && lengths[b] <= L, "gru_sequence: length ", lengths[b], " of sequence ", b,
                    " is outside [1, ", L, "]");
        for (std::int64_t t = 0; t < lengths[b]; ++t) act[t * B + b] = 1;
    }
    const Device dev = gx_in.device();
    Tensor active, gx, w_hh, hs, ghs, outs, out;
    {
        autograd::NoGradGuard no_grad;
        active = from_vector(act, {L, B, 1}, Device::ref()).to(dev);
        gx = contiguous(permute(gx_in, {1, 0, 2}));  // (L, B, 3H): a word's rows together
        w_hh = w_hh_in.contiguous().detach();
        const Tensor w_t = contiguous(transpose(w_hh, 0, 1));  // (H, 3H)
        hs = zeros({L + 1, B, H}, gx.dtype(), dev);             // hs[t]: the state word t starts from
        ghs = contiguous(expand(b_hh_in.detach(), {L, B, 3 * H}));  // gh_t = b_hh + h_t W_hh^T, kept
        outs = zeros({L, B, H}, gx.dtype(), dev);
        const Tensor zero = scalar_like(gx, 0.0);
        for (std::int64_t t = 0; t < L; ++t) {
            const Tensor h = step(hs, t), act_t = step(active, t);
            Tensor gh = step(ghs, t);
            detail::gemm_into(gh, h, false, w_t, false, 1, B, 3 * H, H, 1.0);
            const Tensor h_new = gru_cell(step(gx, t), gh, h);
            // Past its length a sequence keeps its state and outputs 0.
            detail::copy_into(step(hs, t + 1), where(act_t, h_new, h));
            detail::copy_into(step(outs, t), where(act_t, h_new, zero));
        }
        out = contiguous(permute(outs, {1, 0, 2}));  // (B, L, H)
    }
    autograd::record(
        "gru_sequence", {gx_in, w_hh_in, b_hh_in}, {out},
        [active, gx, w_hh, hs, ghs, B, L, H](const std::vector<Tensor>& g) {
            const Tensor dout = contiguous(permute(g[0], {1, 0, 2}));  // (L, B, H)
            Tensor dgx = empty({L, B, 3 * H}, gx.dtype(), gx.device());
            Tensor dghs = empty({L, B, 3 * H}, gx.dtype(), gx.device());
            Tensor dh = zeros({B, H}, gx.dtype(), gx.device());  // dL / dhs[t + 1], from the later words
            Tensor dh_cell = empty({B, H}, gx.dtype(), gx.device());
            const Tensor zero = scalar_like(gx, 0.0);
            for (std::int64_t t = L - 1; t >= 0; --t) {
                const Tensor act_t = step(active, t);
                // hs[t + 1] = act ? h_new : hs[t] and out_t = act ? h_new : 0.
                const Tensor dh_new = where(act_t, add(step(dout, t), dh), zero);
                const Tensor gi = step(gx, t), gh = step(ghs, t), h = step(hs, t);
                Tensor dgi_t = step(dgx, t), dgh_t = step(dghs, t);
                IMRAM_FLOAT_SWITCH(gx.dtype(), "gru_sequence", T,
                                   IMRAM_DISPATCH(gx.device(), gru_cell_bwd,
                                                  (GruCellBwdArgs<T>{gi.data<T>(), gh.data<T>(), h.data<T>(),
                                                                     dh_new.data<T>(), dgi_t.data<T>(), dgh_t.data<T>(),
                                                                     dh_cell.data<T>(), B, H})));
                // dL / dhs[t]: through the cell, through gh_t = b + h W_hh^T, and past the length.
                Tensor next = where(act_t, zero, dh);
                detail::gemm_into(next, dgh_t, false, w_hh, false, 1, B, H, 3 * H, 1.0);
                dh = add(next, dh_cell);
            }
            // W_hh's gradient over every word at once: sum_t dgh_t^T hs[t] = dGH^T (3H, L B) HS (L B, H).
            Tensor dw = empty({3 * H, H}, gx.dtype(), gx.device());
            const Tensor hs_in = slice(hs, 0, 0, L);  // contiguous: the states the words started from
            detail::gemm_into(dw, dghs, true, hs_in, false, 1, 3 * H, H, L * B, 0.0);
            const Tensor db = sum(reshape(dghs, {L * B, 3 * H}), {0});
            return std::vector<Tensor>{contiguous(permute(dgx, {1, 0, 2})), dw, db};
        });
    return out;
}

}  // namespace imram
