// SPDX-License-Identifier: MIT
// CampModel::score_all: every (image, caption) pair without the tape, by the exact algebra of spec
// section 8. score_pairs follows the official code's order of operations (the message projections and
// the fusion layers run on every pair's R + L rows: about 10 (R + L) D^2 FLOPs a pair); here every
// product that depends on one item alone is made once per item, and a pair only pays for its small
// attention matrices and the one product that cannot be hoisted, SummaryAttn's first layer on its
// R + L fused rows ((R + L) D^2 multiply-adds). Only the summation order differs from score_pairs
// (tests/models/test_camp_score_all.cpp compares them in f64).
//
// Per pair (A_t: regions over words, A_v: words over regions, from the encoders' query/key
// projections, as in score_pairs):
//   f_v = A_sv a_t with a_t = A_t t and A_sv = softmax((a_t Wq^T)(a_t Wk^T)^T / sqrt D)
//       = M t with M = A_sv A_t, and the refinement logits = A_t (t Wq^T)(t Wk^T)^T A_t^T: the L x L
//       middle factor is per caption.                                       (weighted_txt_{query,key})
//   f_t = M' v with M' = A_st A_v, logits A_v (v Wq^T)(v Wk^T)^T A_v^T (keys: the caption's words).
//   ||f_v row||^2 = rows of (M G_t) . M with G_t = t t^T per caption; <v_i, f_v_i> = rows of M . (v t^T).
//   fc_1([v, f_v]) = v W1a^T + M (t W1b^T) / ||f_v||: v W1a^T per image, t W1b^T per caption.
//   fc_2([t, f_t]) = t W2a^T + M' (v W2b^T) / ||f_t||.
// The stage-1 model (camp_xattn) needs only means: mean_i f_v = (mean of M's rows) t, and the text's
// mean over the official 50 rows sums M' over the valid rows plus, for each pad row, the pad query's
// attention, whose logits are A_v ((v Wk^T) q) with q = Wq mean(v) per image.
#include <algorithm>
#include <cmath>
#include <limits>

#include "base/check.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "models/camp/model.h"
#include "models/pair_inputs.h"

namespace imram::models {
namespace {

constexpr double kNormEps = 1e-8;  // l2norm's: added to the norm

/// x (..., D) W^T for a bias-free layer's weight W (N, D), or for columns [c0, c1) of it.
Tensor project(const Tensor& x, const Tensor& w, std::int64_t c0 = 0, std::int64_t c1 = -1) {
    if (c1 < 0) return linear(x, w);
    return linear(x, contiguous(slice(w, 1, c0, c1)));
}

Tensor bt(const Tensor& x) { return transpose(x, 1, 2); }

/// The l2norm denominators of the rows of M x, from M and the Gram matrix G = x x^T: sqrt(rows of
/// (M G) . M) + eps, (P, n, 1). Rounding can make a zero row's quadratic form a tiny negative.
Tensor row_norms(const Tensor& M, const Tensor& G) {
    const Tensor sq = sum(mul(bmm(M, G), M), {2}, true);
    return add(sqrt(clamp(sq, 0.0, std::numeric_limits<double>::infinity())), kNormEps);
}

}  // namespace

Tensor CampModel::score_all(const Encoded& e) const {
    NoGradGuard no_grad;
    const std::int64_t D = cfg_.embed_size;
    IMRAM_CHECK(e.images.dim() == 3 && e.images.size(2) == 3 * D && e.captions.dim() == 3 &&
                    e.captions.size(2) == 3 * D && static_cast<std::int64_t>(e.lengths.size()) == e.captions.size(0),
                "score_all: expected CAMP encodings (N, R, 3D) and (N, L, 3D) with D = ", D, " and a length per caption, got ",
                e.images.describe(), ", ", e.captions.describe(), " and ", e.lengths.size(), " lengths");
    const std::int64_t Ni = e.images.size(0), Nc = e.captions.size(0), R = e.images.size(1);
    const Device dev = e.images.device();
    if (Ni == 0 || Nc == 0) return zeros({Ni, Nc}, e.images.dtype(), dev);
    const double scale = 1.0 / std::sqrt(static_cast<double>(D));
    const bool gated = cfg_.mode != CampMode::CrossAttention;

    // Per image, once.
    const Tensor v = contiguous(slice(e.images, 2, 0, D)), qv = contiguous(slice(e.images, 2, D, 2 * D)),
                 kv = contiguous(slice(e.images, 2, 2 * D, 3 * D));
    const Tensor vk_w = project(v, sim.weighted_img_key_fc.weight);
    const Tensor g_refine_v = bmm(project(v, sim.weighted_img_query_fc.weight), bt(vk_w));  // (Ni, R, R)
    Tensor gram_v, own_v, msg_v, pad_key;
    if (gated) {
        gram_v = bmm(v, bt(v));                                 // (Ni, R, R)
        own_v = project(v, sim.fc_1.weight, 0, D);              // v W1a^T (Ni, R, D)
        msg_v = project(v, sim.fc_2.weight, D, 2 * D);          // v W2b^T (Ni, R, D)
    } else {
        const Tensor q_pad = project(mean(v, {1}, true), sim.weighted_img_query_fc.weight);  // (Ni, 1, D)
        pad_key = bmm(vk_w, bt(q_pad));                                                       // (Ni, R, 1)
    }

    // Captions in blocks (trimmed to the block's longest caption), images in chunks of pairs.
    const std::int64_t Bc = std::min<std::int64_t>(Nc, 32);
    const std::int64_t Bi = std::max<std::int64_t>(1, kScoreAllPairs / Bc);
    std::vector<Tensor> columns;
    for (std::int64_t c0 = 0; c0 < Nc; c0 += Bc) {
        const std::int64_t c1 = std::min(Nc, c0 + Bc), nc = c1 - c0;
        const std::vector<std::int64_t> lengths(e.lengths.begin() + c0, e.lengths.begin() + c1);
        const std::int64_t L = std::max<std::int64_t>(1, *std::max_element(lengths.begin(), lengths.end()));
        const Tensor caps = slice(slice(e.captions, 0, c0, c1), 1, 0, L);
        const Tensor t = contiguous(slice(caps, 2, 0, D)), qt = contiguous(slice(caps, 2, D, 2 * D)),
                     kt = contiguous(slice(caps, 2, 2 * D, 3 * D));
        const Tensor g_refine_t =
            bmm(project(t, sim.weighted_txt_query_fc.weight), bt(project(t, sim.weighted_txt_key_fc.weight)));  // (nc, L, L)
        Tensor gram_t, own_t, msg_t;
        if (gated) {
            gram_t = bmm(t, bt(t));                          // (nc, L, L)
            own_t = project(t, sim.fc_2.weight, 0, D);       // t W2a^T (nc, L, D)
            msg_t = project(t, sim.fc_1.weight, D, 2 * D);   // t W1b^T (nc, L, D)
        }
        std::vector<Tensor> rows;
        for (std::int64_t i0 = 0; i0 < Ni; i0 += Bi) {
            const std::int64_t i1 = std::min(Ni, i0 + Bi), bi = i1 - i0, P = bi * nc;
            // Pair p = a nc + b: image i0 + a with caption c0 + b. Only the small per-item matrices
            // (R x R, L x L) are gathered per pair; every D-wide product is a GEMM over the block.
            std::vector<std::int64_t> img_idx, cap_idx, pair_lengths;
            for (std::int64_t a = 0; a < bi; ++a)
                for (std::int64_t j = 0; j < nc; ++j) {
                    img_idx.push_back(a);
                    cap_idx.push_back(j);
                    pair_lengths.push_back(lengths[static_cast<std::size_t>(j)]);
                }
            const Tensor ii = index_tensor(img_idx), jj = index_tensor(cap_idx);
            auto chunk = [&](const Tensor& x) { return slice(x, 0, i0, i1); };
            auto img = [&](const Tensor& x) { return index_select(chunk(x), 0, ii); };
            auto cap = [&](const Tensor& x) { return index_select(x, 0, jj); };
            // (bi R, nc L) products of image rows with caption rows, as (P, R, L); and the transpose.
            auto img_by_cap = [&](const Tensor& x, const Tensor& y) {
                const Tensor g = matmul(reshape(chunk(x), {bi * R, D}), transpose(reshape(y, {nc * L, D}), 0, 1));
                return reshape(permute(reshape(g, {bi, R, nc, L}), {0, 2, 1, 3}), {P, R, L});
            };
            auto cap_by_img = [&](const Tensor& y, const Tensor& x) {
                const Tensor g = matmul(reshape(y, {nc * L, D}), transpose(reshape(chunk(x), {bi * R, D}), 0, 1));
                return reshape(permute(reshape(g, {nc, L, bi, R}), {2, 0, 1, 3}), {P, L, R});
            };
            // M (P, R, L) times a per-caption (nc, L, D) -> (bi, nc, R, D): one bmm over the captions.
            auto times_caption = [&](const Tensor& M, const Tensor& y) {
                const Tensor m = reshape(permute(reshape(M, {bi, nc, R, L}), {1, 0, 2, 3}), {nc, bi * R, L});
                return permute(reshape(bmm(m, y), {nc, bi, R, D}), {1, 0, 2, 3});
            };
            // M' (P, L, R) times a per-image (bi, R, D) -> (bi, nc, L, D): one bmm over the images.
            auto times_image = [&](const Tensor& M2, const Tensor& x) {
                return reshape(bmm(reshape(M2, {bi, nc * L, R}), chunk(x)), {bi, nc, L, D});
            };
            const Tensor valid = length_mask(pair_lengths, L, dev);  // (P, L)
            const Tensor key_valid = unsqueeze(valid, 1);            // (P, 1, L)
            const Tensor A_t = softmax(mul(img_by_cap(qv, kt), scale), 2, key_valid);  // (P, R, L)
            const Tensor A_v = softmax(mul(cap_by_img(qt, kv), scale), 2);             // (P, L, R)
            const Tensor A_sv = softmax(mul(bmm(bmm(A_t, cap(g_refine_t)), bt(A_t)), scale), 2);
            const Tensor M = bmm(A_sv, A_t);  // f_v = M t (P, R, L)
            const Tensor A_st = softmax(mul(bmm(bmm(A_v, img(g_refine_v)), bt(A_v)), scale), 2, key_valid);
            const Tensor M2 = bmm(A_st, A_v);  // f_t = M2 v (P, L, R)
            Tensor score;
            if (!gated) {
                // mean_i f_v = (mean of M's rows) t: one bmm over the captions.
                const Tensor m_mean = reshape(permute(reshape(mean(M, {1}), {bi, nc, L}), {1, 0, 2}), {nc, bi, L});
                const Tensor s_v = reshape(permute(bmm(m_mean, t), {1, 0, 2}), {P, D});
                const Tensor w_pad = softmax(mul(bmm(A_v, img(pad_key)), scale), 1, unsqueeze(valid, 2));  // (P, L, 1)
                const Tensor vf = unsqueeze(valid.to(DType::I64).to(M2.dtype()), 1);                        // (P, 1, L)
                std::vector<double> pads, denom;
                for (const std::int64_t len : pair_lengths) {
                    const std::int64_t n_pad = std::max<std::int64_t>(0, kCampPadLength - len);
                    pads.push_back(static_cast<double>(n_pad));
                    denom.push_back(static_cast<double>(len + n_pad));
                }
                auto column = [&](const std::vector<double>& x) {
                    return from_vector(x, {P, 1, 1}, dev).to(M2.dtype());
                };
                // Weights on the regions: the valid rows of M2, plus n_pad times the pad row's.
                const Tensor w = div(add(bmm(vf, M2), mul(bmm(bt(w_pad), A_v), column(pads))), column(denom));
                const Tensor s_t = reshape(bmm(reshape(w, {bi, nc, R}), chunk(v)), {P, D});
                score = sum(mul(l2norm(s_v), l2norm(s_t)), {1});
            } else {
                const Tensor C = img_by_cap(v, t);  // v t^T (P, R, L)
                const Tensor n_v = row_norms(M, cap(gram_t));
                const Tensor g_v = sigmoid(div(sum(mul(M, C), {2}, true), n_v));
                const Tensor fused_v = add(unsqueeze(chunk(own_v), 1),
                                           div(times_caption(M, msg_t), reshape(n_v, {bi, nc, R, 1})));
                const Tensor h_v = reshape(add(relu(mul(fused_v, reshape(g_v, {bi, nc, R, 1}))), unsqueeze(chunk(v), 1)),
                                           {P, R, D});
                const Tensor n_t = row_norms(M2, img(gram_v));
                const Tensor g_t = sigmoid(div(sum(mul(M2, bt(C)), {2}, true), n_t));
                const Tensor fused_t = add(unsqueeze(own_t, 0), div(times_image(M2, msg_v), reshape(n_t, {bi, nc, L, 1})));
                const Tensor h_t = reshape(add(relu(mul(fused_t, reshape(g_t, {bi, nc, L, 1}))), unsqueeze(t, 0)),
                                           {P, L, D});
                const Tensor s_v = l2norm(sim.final_reduce_1.forward(h_v, Tensor()));
                const Tensor s_t = l2norm(sim.final_reduce_2.forward(h_t, valid));
                score = squeeze(sigmoid(sim.fc_out3.forward(relu(sim.fc_out0.forward(cat({s_v, s_t}, 1))))), 1);
            }
            rows.push_back(reshape(score, {bi, nc}));
        }
        columns.push_back(rows.size() == 1 ? rows[0] : cat(rows, 0));
    }
    return columns.size() == 1 ? columns[0] : cat(columns, 1);
}

}  // namespace imram::models
