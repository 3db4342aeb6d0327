// SPDX-License-Identifier: MIT
// The no-tape (images x captions) IMRAM / SCAN score matrix on the CPU (op imram_score_all; the
// contract is ImramScoreArgs in kernels/args.h, the plain per-pair oracle kernels/ref/imram_score.cpp),
// computed with the exact shortcuts of docs/IMRAM_SPEC.md 1.4: context projections hoisted per item,
// the first query projection hoisted, the dead last update dropped, Gram-matrix cosine. No per-pair
// D-vector is formed except the pair-specific queries the recurrence needs. Parallel over images
// (OpenMP); stacked GEMMs per caption chunk, and per group of images when a chunk has few rows.
//
// Letters: R regions, L words of one caption, D embedding, n stacked words of a caption chunk.
// Per item, once:   images   G = V V^T (R, R), |v|, Pc_t2i = V Wc_t2i^T (R, 2D), Pq_i2t = V Wq_i2t^T + b
//                   captions H = X X^T (L, L), |x|, Pc_i2t = X Wc_i2t^T (L, 2D), Pq_t2i = X Wq_t2i^T + b
// Per pair, step k: logits (one stacked GEMM per image and caption chunk at k = 1), clipped-l2norm +
// softmax, then the cosine without the attended vector:
//   <x_q, c_q> = sum_s alpha_qs S1_qs (S1 = the raw step-1 logits),  |c_q|^2 = alpha_q G alpha_q^T
// and the memory update's context term alpha Pc; only the query term W_q q_k (k >= 2) is a per-pair
// GEMM, stacked over the chunk's pairs.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "kernels/cpu/bf16.h"
#include "kernels/cpu/blas.h"
#include "kernels/cpu/eigen_maps.h"
#include "kernels/cpu/gate_row.h"
#include "kernels/kernels.h"

namespace imram::cpu {
namespace {

constexpr double kEps = 1e-8;
constexpr std::int64_t kCaptionChunk = 32;  // captions per stacked GEMM
constexpr std::int64_t kImageBlock = 8;     // images per step-1 logit GEMM
constexpr std::int64_t kStackRows = 256;    // rows a stacked per-pair projection GEMM aims for

/// Images whose per-pair projections go into one GEMM when an image brings `rows` query rows.
std::int64_t stack_count(std::int64_t rows) {
    return rows >= kStackRows ? 1 : (kStackRows + rows - 1) / rows;
}

template <class T>
using Mat = RowMajorMatrix<T>;

int max_threads() {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}
template <class T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

/// C (M, N) = A (M, K) op(B) + beta C on row-major buffers, on this thread. `B16`, when given, is B
/// already rounded to bf16 and packed (a weight, once per call of the scorer): in bf16 precision
/// (kernels/cpu/bf16.h) the product then skips B's conversion and repacking.
template <class T>
void mm(T* C, const T* A, std::int64_t M, std::int64_t K, const T* B, bool tb, std::int64_t N, T beta,
        const Bf16PackedWeight* B16 = nullptr) {
    if constexpr (std::is_same_v<T, float>) {
        if (B16 != nullptr && !tb && M * N * K >= kBf16MinWork) {
            gemm_bf16_packed(M, A, K, *B16, beta, C, N);
            return;
        }
    }
    blas_gemm<T>(false, tb, M, N, K, T(1), A, K, B, tb ? K : N, beta, C, N);
}

/// The weight `w` rounded to bf16 and packed when products run in bf16 precision (else empty: mm uses w).
template <class T>
Bf16PackedWeight bf16_weight(const Mat<T>& w) {
    if constexpr (std::is_same_v<T, float>) {
        if (w.size() > 0 && gemm_precision() == GemmPrecision::BF16 && bf16_available())
            return Bf16PackedWeight(w.data(), w.rows(), w.cols(), w.cols());
    }
    return {};
}

const Bf16PackedWeight* data_or_null(const Bf16PackedWeight& w) { return w.empty() ? nullptr : &w; }

/// out = A (M, K) * B (K, N) with the engine's threaded GEMM (for the per-item projections).
template <class T>
void mm_threaded(Mat<T>& out, const T* A, std::int64_t M, std::int64_t K, const Mat<T>& B) {
    out.resize(M, B.cols());
    gemm(GemmArgs<T>{false, false, M, B.cols(), K, T(1), A, K, 0, B.data(), B.cols(), 0, T(0), out.data(), B.cols(), 0, 1,
                     true});
}

/// [W[:, col0:col0+D]^T | W2[:, col0:col0+D]^T]: (D, 2D), so that rows q (n, D) map to q * Wt (n, 2D).
/// W and W2 are (D, 2D) row-major. The transposes go through copy_strided, whose transposing copy works
/// in cache-sized tiles (a plain strided transpose of the 4 x D^2 values missed on every read: 3 % of a
/// B = 32 scoring call); a copy, so the values are the same.
template <class T>
Mat<T> stacked_half(const T* w_lin, const T* w_gate, std::int64_t D, std::int64_t col0) {
    Mat<T> out(D, 2 * D);
    Strided src, dst;  // out[r, half D + c] = w[c, col0 + r]
    src.ndim = dst.ndim = 2;
    src.shape[0] = src.shape[1] = dst.shape[0] = dst.shape[1] = D;
    src.stride[0] = 1, src.stride[1] = 2 * D;
    dst.stride[0] = 2 * D, dst.stride[1] = 1;
    copy_strided(CopyArgs<T>{w_lin + col0, src, out.data(), dst});
    copy_strided(CopyArgs<T>{w_gate + col0, src, out.data() + D, dst});
    return out;
}

template <class T>
Eigen::Matrix<T, 1, Eigen::Dynamic> stacked_bias(const T* b_lin, const T* b_gate, std::int64_t D) {
    Eigen::Matrix<T, 1, Eigen::Dynamic> b(2 * D);
    for (std::int64_t i = 0; i < D; ++i) b[i] = b_lin[i], b[D + i] = b_gate[i];
    return b;
}

/// The memory update, one pass per row (kernels/cpu/gate_row.h): with p = pre[r] + add(r) =
/// [W_o x + b_o | W_g x + b_g] (2D), q[r] = g q_in(r) + (1 - g) tanh(p_o), g = sigmoid(p_g), then
/// l2-normalised unless no_norm. q_in(r) and add(r) are row pointers (D and 2D values): the previous
/// query (possibly q[r] itself, updated in place), and the part of the pre-activation hoisted per item
/// or the bias, so neither is copied into q or pre first. q (rows, D) and pre (rows, 2D), row-major.
template <class T, class QIn, class Add>
void gate_rows(T* q, const T* pre, std::int64_t rows, std::int64_t D, QIn q_in, Add add, bool no_norm) {
    for (std::int64_t r = 0; r < rows; ++r) gate_row(q + r * D, q_in(r), pre + r * 2 * D, add(r), D, !no_norm);
}

/// Row-wise softmax of lambda * a (rows, cols), in place.
template <class T>
void softmax_rows(Eigen::Ref<Mat<T>> a, T lambda) {
    for (std::int64_t r = 0; r < a.rows(); ++r) {
        auto row = a.row(r).array();
        const T m = row.maxCoeff();
        row = ((row - m) * lambda).exp();
        row /= row.sum();
    }
}

/// Pools per-fragment cosines into one number (ImramScoreArgs::pool: mean, log-sum-exp, max, sum).
template <class T>
T pool(const Vec<T>& cos, int how, double lambda_lse) {
    switch (how) {
        case 1: return static_cast<T>(std::log((cos.array() * T(lambda_lse)).exp().sum()) / lambda_lse);
        case 2: return cos.maxCoeff();
        case 3: return cos.sum();
        default: return cos.mean();
    }
}

template <class T>
struct CaptionChunk {
    std::int64_t j0 = 0, count = 0, rows = 0;
    std::vector<std::int64_t> off;  // row offset of each caption in the stacked matrices
    Mat<T> X;                       // (rows, D) stacked valid words
    Vec<T> xnorm;                   // (rows)
    Mat<T> pq_t2i, pc_i2t;          // (rows, 2D)
    std::vector<Mat<T>> H;          // per caption (L, L)
};

template <class T>
struct ImageSide {
    Mat<T> pc_t2i, pq_i2t;  // (Ni * R, 2D)
    std::vector<Mat<T>> G;  // per image (R, R)
    Vec<T> vnorm;           // (Ni * R)
};

}  // namespace

template <class T>
void imram_score_all(const ImramScoreArgs<T>& a) {
    const std::int64_t D = a.D, R = a.R;
    const bool mem = a.memory && a.K > 1;
    const T lam = static_cast<T>(a.lambda);
    const auto V_all = matrix_map(a.images, a.Ni * R, D, D);

    // ---- weights split into query / context halves
    Mat<T> wq_t2i, wc_t2i, wq_i2t, wc_i2t;
    Eigen::Matrix<T, 1, Eigen::Dynamic> b_t2i, b_i2t;
    if (mem && a.t2i) {
        wq_t2i = stacked_half(a.lin_t2i_w, a.gate_t2i_w, D, 0);
        wc_t2i = stacked_half(a.lin_t2i_w, a.gate_t2i_w, D, D);
        b_t2i = stacked_bias(a.lin_t2i_b, a.gate_t2i_b, D);
    }
    if (mem && a.i2t) {
        wq_i2t = stacked_half(a.lin_i2t_w, a.gate_i2t_w, D, 0);
        wc_i2t = stacked_half(a.lin_i2t_w, a.gate_i2t_w, D, D);
        b_i2t = stacked_bias(a.lin_i2t_b, a.gate_i2t_b, D);
    }

    // In bf16 precision the per-pair query projections use weights rounded once, here.
    const Bf16PackedWeight wq_t2i_16 = bf16_weight(wq_t2i), wq_i2t_16 = bf16_weight(wq_i2t);

    // ---- image side, once (mm_threaded: the engine's GEMM threads these big products itself)
    ImageSide<T> img;
    img.vnorm = V_all.rowwise().norm();
    if (mem && a.t2i) mm_threaded(img.pc_t2i, a.images, a.Ni * R, D, wc_t2i);
    if (mem && a.i2t) {
        mm_threaded(img.pq_i2t, a.images, a.Ni * R, D, wq_i2t);
        img.pq_i2t.rowwise() += b_i2t;
    }
    img.G.resize(a.Ni);
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < a.Ni; ++i) {
        const auto Vi = matrix_map(a.images + i * R * D, R, D, D);
        img.G[i].noalias() = Vi * Vi.transpose();
    }

    // ---- caption chunks: hoist, then every image against the chunk
    for (std::int64_t j0 = 0; j0 < a.Nc; j0 += kCaptionChunk) {
        CaptionChunk<T> c;
        c.j0 = j0;
        c.count = std::min(kCaptionChunk, a.Nc - j0);
        for (std::int64_t j = 0; j < c.count; ++j) {
            c.off.push_back(c.rows);
            c.rows += a.lengths[j0 + j];
        }
        c.X.resize(c.rows, D);
        for (std::int64_t j = 0; j < c.count; ++j)
            c.X.middleRows(c.off[j], a.lengths[j0 + j]) = matrix_map(a.captions + (j0 + j) * a.L * D, a.lengths[j0 + j], D, D);
        c.xnorm = c.X.rowwise().norm();
        if (mem && a.t2i) {
            mm_threaded(c.pq_t2i, c.X.data(), c.rows, D, wq_t2i);
            c.pq_t2i.rowwise() += b_t2i;
        }
        if (mem && a.i2t) mm_threaded(c.pc_i2t, c.X.data(), c.rows, D, wc_i2t);
        c.H.resize(c.count);
#pragma omp parallel for schedule(static) if (c.count > 1)
        for (std::int64_t j = 0; j < c.count; ++j) {
            const auto Xj = c.X.middleRows(c.off[j], a.lengths[j0 + j]);
            c.H[j].noalias() = Xj * Xj.transpose();
        }

        // Step-1 logits of a block of images in one GEMM (N = kImageBlock * R keeps BLAS efficient;
        // N = R alone is too narrow), then each image of the block through the epilogue.
        // Blocks shrink when there are few images, so every thread still gets several blocks.
        // A chunk with few rows (one query caption against its candidates, in re-ranking) instead
        // stacks the per-pair query projections of a group of images into one GEMM of about
        // kStackRows rows: image by image, each would stream the whole weight for a dozen rows. A chunk
        // with the rows runs image by image (a group of one), as the big evaluations always did.
        const std::int64_t threads = max_threads();
        // Only K >= 3 has a per-pair projection (K = 2's one update uses the hoisted ones): otherwise the
        // blocks stay as they were, and so do the products' shapes and roundings.
        const bool per_pair_projection = mem && a.K > 2;
        const std::int64_t want =
            per_pair_projection ? std::max(stack_count(c.rows), stack_count(c.count * R)) : 1;
        const std::int64_t stack = std::min(want, std::max<std::int64_t>(1, (a.Ni + threads - 1) / threads));
        const std::int64_t image_block =
            stack > 1 ? stack : std::clamp<std::int64_t>(a.Ni / (4 * threads), 1, kImageBlock);
        const std::int64_t group = stack > 1 ? image_block : 1;  // images per stacked projection
        const std::int64_t n_blocks = (a.Ni + image_block - 1) / image_block;
#pragma omp parallel
        {
        // Per-thread work buffers, reused across images: large fresh allocations would page-fault
        // on every image. Q, pre (t2i) and Qs, pre_i2t (i2t) hold a group's images one after another.
        Mat<T> S1_blk, Q, Sk, alpha, pre, Qs, pre_i2t;
        std::vector<Mat<T>> alphas(c.count), S1s;
        std::vector<T> total;
#pragma omp for schedule(dynamic, 1)
        for (std::int64_t blk = 0; blk < n_blocks; ++blk) {
            const std::int64_t i0 = blk * image_block, ni = std::min(image_block, a.Ni - i0);
            S1_blk.resize(c.rows, ni * R);
            mm<T>(S1_blk.data(), c.X.data(), c.rows, D, a.images + i0 * R * D, true, ni * R, T(0));
            for (std::int64_t g0 = i0; g0 < i0 + ni; g0 += group) {
            const std::int64_t gn = std::min(group, i0 + ni - g0);
            S1s.resize(gn);
            for (std::int64_t gi = 0; gi < gn; ++gi)
                S1s[gi] = S1_blk.middleCols((g0 + gi - i0) * R, R);  // (rows, R): chunk words vs regions
            total.assign(gn * c.count, T(0));

            if (a.t2i) {  // words attend to regions
                // The queries: the words at step 1, then Q, which only the memory unit writes.
                const std::int64_t rows = c.rows;
                Sk.resize(rows, R);
                alpha.resize(rows, R);
                if (mem) pre.resize(gn * rows, 2 * D), Q.resize(gn * rows, D);
                for (std::int64_t k = 0; k < a.K; ++k) {
                    // pre = Q W_q for the whole group before Q moves on (one GEMM, gn * rows rows).
                    if (mem && k > 0 && k + 1 < a.K)
                        mm<T>(pre.data(), Q.data(), gn * rows, D, wq_t2i.data(), false, 2 * D, T(0),
                              data_or_null(wq_t2i_16));
                    for (std::int64_t gi = 0; gi < gn; ++gi) {
                        const std::int64_t i = g0 + gi;
                        const Mat<T>& S1 = S1s[gi];
                        T* Qi = mem ? Q.data() + gi * rows * D : nullptr;
                        T* pre_i = mem ? pre.data() + gi * rows * 2 * D : nullptr;
                        if (k > 0)
                            mm<T>(Sk.data(), mem ? Qi : c.X.data(), rows, D, a.images + i * R * D, true, R, T(0));
                        const Mat<T>& logits = k == 0 ? S1 : Sk;
                        alpha = logits.array().max(T(0.1) * logits.array()).matrix();  // LeakyReLU(0.1)
                        for (std::int64_t j = 0; j < c.count; ++j) {
                            auto blk_j = alpha.middleRows(c.off[j], a.lengths[c.j0 + j]);
                            const Eigen::Array<T, 1, Eigen::Dynamic> cn = blk_j.colwise().norm().array() + T(kEps);
                            blk_j.array().rowwise() /= cn;  // l2norm over the query (word) axis
                        }
                        softmax_rows<T>(alpha, lam);
                        const Vec<T> num = (alpha.array() * S1.array()).rowwise().sum();
                        const Vec<T> cc = ((alpha * img.G[i]).array() * alpha.array()).rowwise().sum();
                        Vec<T> cosv(rows);
                        for (std::int64_t r = 0; r < rows; ++r)
                            cosv[r] = num[r] / std::max(c.xnorm[r] * std::sqrt(std::max(cc[r], T(0))), T(kEps));
                        for (std::int64_t j = 0; j < c.count; ++j)
                            total[gi * c.count + j] +=
                                pool<T>(cosv.segment(c.off[j], a.lengths[c.j0 + j]), a.pool, a.lambda_lse);
                        if (mem && k + 1 < a.K) {
                            // pre += alpha (V W_c); the hoisted X W_q + b (step 1) or b comes in the gate.
                            mm<T>(pre_i, alpha.data(), rows, R, img.pc_t2i.data() + i * R * 2 * D, false, 2 * D,
                                  k > 0 ? T(1) : T(0));
                            if (k == 0)
                                gate_rows<T>(
                                    Qi, pre_i, rows, D, [&](std::int64_t r) { return c.X.data() + r * D; },
                                    [&](std::int64_t r) { return c.pq_t2i.data() + r * 2 * D; }, a.no_norm);
                            else
                                gate_rows<T>(
                                    Qi, pre_i, rows, D, [&](std::int64_t r) { return Qi + r * D; },
                                    [&](std::int64_t) { return b_t2i.data(); }, a.no_norm);
                        }
                    }
                }
            }

            if (a.i2t) {  // regions attend to words; each pair carries its own (R, D) queries
                const std::int64_t rows = c.count * R;  // an image's stacked queries, R per caption
                if (mem) Qs.resize(gn * rows, D), pre_i2t.resize(gn * rows, 2 * D);
                for (std::int64_t k = 0; k < a.K; ++k) {
                    if (mem && k > 0 && k + 1 < a.K)
                        mm<T>(pre_i2t.data(), Qs.data(), gn * rows, D, wq_i2t.data(), false, 2 * D, T(0),
                              data_or_null(wq_i2t_16));
                    for (std::int64_t gi = 0; gi < gn; ++gi) {
                        const std::int64_t i = g0 + gi;
                        const auto vn = img.vnorm.segment(i * R, R);
                        T* Qs_i = mem ? Qs.data() + gi * rows * D : nullptr;
                        T* pre_i = mem ? pre_i2t.data() + gi * rows * 2 * D : nullptr;
                        for (std::int64_t j = 0; j < c.count; ++j) {
                            const std::int64_t Lj = a.lengths[c.j0 + j];
                            const auto S1j = S1s[gi].middleRows(c.off[j], Lj);  // (Lj, R) words x regions
                            Mat<T> Skj;
                            if (k == 0) Skj = S1j;
                            else {
                                Skj.resize(Lj, R);
                                mm<T>(Skj.data(), c.X.data() + c.off[j] * D, Lj, D, Qs_i + j * R * D, true, R, T(0));
                            }
                            Mat<T> A = Skj.array().max(T(0.1) * Skj.array()).matrix();
                            for (std::int64_t s = 0; s < Lj; ++s) A.row(s) /= (A.row(s).norm() + T(kEps));  // over regions
                            Mat<T>& al = alphas[j];
                            al = A.transpose();  // (R, Lj)
                            softmax_rows<T>(al, lam);
                            const Vec<T> num = (al.array() * S1j.transpose().array()).rowwise().sum();
                            const Vec<T> cc = ((al * c.H[j]).array() * al.array()).rowwise().sum();
                            Vec<T> cosv(R);
                            for (std::int64_t r = 0; r < R; ++r)
                                cosv[r] = num[r] / std::max(vn[r] * std::sqrt(std::max(cc[r], T(0))), T(kEps));
                            total[gi * c.count + j] += pool<T>(cosv, a.pool, a.lambda_lse);
                        }
                        if (mem && k + 1 < a.K) {
                            // pre += alpha (X W_c) per caption; the hoisted V W_q + b (step 1) or b comes in
                            // the gate, and step 1's queries are the regions themselves.
                            for (std::int64_t j = 0; j < c.count; ++j)
                                mm<T>(pre_i + j * R * 2 * D, alphas[j].data(), R, a.lengths[c.j0 + j],
                                      c.pc_i2t.data() + c.off[j] * 2 * D, false, 2 * D, k > 0 ? T(1) : T(0));
                            if (k == 0)
                                gate_rows<T>(
                                    Qs_i, pre_i, rows, D, [&](std::int64_t r) { return a.images + (i * R + r % R) * D; },
                                    [&](std::int64_t r) { return img.pq_i2t.data() + (i * R + r % R) * 2 * D; },
                                    a.no_norm);
                            else
                                gate_rows<T>(
                                    Qs_i, pre_i, rows, D, [&](std::int64_t r) { return Qs_i + r * D; },
                                    [&](std::int64_t) { return b_i2t.data(); }, a.no_norm);
                        }
                    }
                }
            }
            for (std::int64_t gi = 0; gi < gn; ++gi)
                for (std::int64_t j = 0; j < c.count; ++j) a.scores[(g0 + gi) * a.Nc + c.j0 + j] = total[gi * c.count + j];
            }
        }
        }  // omp parallel
    }
}

template void imram_score_all(const ImramScoreArgs<float>&);
template void imram_score_all(const ImramScoreArgs<double>&);

}  // namespace imram::cpu
