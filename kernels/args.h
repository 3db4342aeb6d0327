// SPDX-License-Identifier: MIT
// Plain argument structs shared by every backend (ref, cpu, and later cuda). No owning types: the op
// front-ends in core/ops/ validate shapes and allocate outputs, kernels only compute.
// Layout letters: O outer, R reduced/indexed axis, I inner (a tensor viewed as (O, R, I) row-major).
#pragma once

#include <cstdint>

namespace imram {

constexpr int kMaxDims = 8;

/// A strided view: shape and element strides, outermost first (stride 0 = broadcast).
struct Strided {
    int ndim = 0;
    std::int64_t shape[kMaxDims] = {};
    std::int64_t stride[kMaxDims] = {};
};

/// dst[i] = src[i] over a common shape; both sides may be arbitrarily strided.
template <class T>
struct CopyArgs {
    const T* src;
    Strided src_layout;
    T* dst;
    Strided dst_layout;
};

enum class BinaryOp : std::uint8_t { Add, Sub, Mul, Div };

/// out (contiguous, shape = la.shape) = a op b; a and b are strided views broadcast to out's shape.
template <class T>
struct BinaryArgs {
    BinaryOp op;
    const T* a;
    Strided la;
    const T* b;
    Strided lb;
    T* out;
};

/// out = cond ? a : b, all three strided and broadcast to out's shape (lc.shape); out contiguous.
template <class T>
struct WhereArgs {
    const std::uint8_t* cond;
    Strided lc;
    const T* a;
    Strided la;
    const T* b;
    Strided lb;
    T* out;
};

enum class UnaryOp : std::uint8_t { Neg, Exp, Log, Sqrt, Tanh, Sigmoid, Relu, LeakyRelu, Pow, Clamp };

/// y = f(x) elementwise over n contiguous elements. p0, p1: slope (LeakyRelu), exponent (Pow), lo/hi (Clamp).
template <class T>
struct UnaryArgs {
    UnaryOp op;
    const T* x;
    T* y;
    std::int64_t n;
    T p0, p1;
};

/// dx = dy * f'(x) (using y = f(x) where cheaper).
template <class T>
struct UnaryBwdArgs {
    UnaryOp op;
    const T* x;
    const T* y;
    const T* dy;
    T* dx;
    std::int64_t n;
    T p0, p1;
};

enum class ReduceOp : std::uint8_t { Sum, Mean, Max, Norm };

/// y[o, i] = reduce_r x[o, r, i]; for Max also idx[o, i] = argmax (first on ties). x contiguous (O, R, I).
template <class T>
struct ReduceArgs {
    ReduceOp op;
    const T* x;
    T* y;
    std::int64_t* idx;  // Max only
    std::int64_t O, R, I;
};

/// dx[o, r, i] = dy[o, i] * d y[o, i] / d x[o, r, i] (written, not accumulated).
template <class T>
struct ReduceBwdArgs {
    ReduceOp op;
    const T* x;               // Norm
    const T* y;               // Norm
    const std::int64_t* idx;  // Max
    const T* dy;
    T* dx;
    std::int64_t O, R, I;
};

/// Row-major batched GEMM: C_b = alpha * op(A_b) op(B_b) + beta * C_b, b < batch.
/// op(A) is (M, K): A is stored (M, K) with row stride lda, or (K, M) when trans_a. Same for B (K, N).
template <class T>
struct GemmArgs {
    bool trans_a, trans_b;
    std::int64_t M, N, K;
    T alpha;
    const T* A;
    std::int64_t lda, stride_a;
    const T* B;
    std::int64_t ldb, stride_b;
    T beta;
    T* C;
    std::int64_t ldc, stride_c;
    std::int64_t batch;
    /// B is a layer's weight and no tape records the product: in bf16 precision (kernels/cpu/bf16.h) the
    /// CPU backend may round both inputs to bf16. Products of two activations (attention logits,
    /// similarities) never set it.
    bool weight_product = false;
    /// A product of a taped `linear`: its forward, or one of the two products of its backward (dY W,
    /// and dY^T X, which is marked weight_product too). It follows the tape precision
    /// (set_tape_gemm_precision) instead of the GEMM precision.
    bool taped = false;
};

/// index_select: y[o, j, i] = x[o, idx[j], i] with x (O, R, I), idx (n), y (O, n, I).
/// index_add (backward): x[o, idx[j], i] += y[o, j, i].
template <class T>
struct IndexArgs {
    const T* x;
    T* x_mut;
    const std::int64_t* idx;
    const T* y;
    T* y_mut;
    std::int64_t O, R, n, I;
};

/// gather: y[o, j, i] = x[o, idx[o, j, i], i] with x (O, R, I), idx and y (O, n, I).
/// scatter_add (backward): x[o, idx[o, j, i], i] += y[o, j, i].
template <class T>
struct GatherArgs {
    const T* x;
    T* x_mut;
    const std::int64_t* idx;
    const T* y;
    T* y_mut;
    std::int64_t O, R, n, I;
};

/// (log_)softmax over R of x (O, R, I), skipping positions where valid == 0 (valid may be null).
/// Excluded positions and fully excluded rows give 0.
template <class T>
struct SoftmaxArgs {
    const T* x;
    const std::uint8_t* valid;
    T* y;
    std::int64_t O, R, I;
    bool log;
};

template <class T>
struct SoftmaxBwdArgs {
    const T* y;
    const std::uint8_t* valid;
    const T* dy;
    T* dx;
    std::int64_t O, R, I;
    bool log;
};

/// y = x / (||x|| + eps) per row of (N, D); norm (N) saved for backward.
template <class T>
struct L2NormArgs {
    const T* x;
    T* y;
    T* norm;
    std::int64_t N, D;
    T eps;
};

template <class T>
struct L2NormBwdArgs {
    const T* dy;
    const T* y;
    const T* norm;
    T* dx;
    std::int64_t N, D;
    T eps;
};

/// y[n] = <a_n, b_n> / max(|a_n| |b_n|, eps) over rows of (N, D).
template <class T>
struct CosineArgs {
    const T* a;
    const T* b;
    T* y;
    std::int64_t N, D;
    T eps;
};

template <class T>
struct CosineBwdArgs {
    const T* a;
    const T* b;
    const T* dy;
    T* da;
    T* db;
    std::int64_t N, D;
    T eps;
};

/// IMRAM/SCAN attention weights from raw logits (docs/ops.md#clipped_attention), per pair p:
///   B = leaky_relu(A, 0.1) with query pads zeroed;  Cn[s, q] = B[s, q] / (||B[s, :]|| + eps);
///   alpha[q, :] = softmax over valid s of lambda Cn[:, q]   (excluded s and fully excluded rows: 0).
/// A (P, Ls, Lq), q_valid (P, Lq) / c_valid (P, Ls) bytes or null, alpha (P, Lq, Ls), norm (P, Ls) = ||B[s, :]||.
template <class T>
struct ClippedAttentionArgs {
    const T* A;
    const std::uint8_t* q_valid;
    const std::uint8_t* c_valid;
    T* alpha;
    T* norm;
    std::int64_t P, Ls, Lq;
    T lambda, eps;
};

template <class T>
struct ClippedAttentionBwdArgs {
    const T* A;
    const std::uint8_t* q_valid;
    const std::uint8_t* c_valid;
    const T* alpha;
    const T* norm;
    const T* dalpha;
    T* dA;
    std::int64_t P, Ls, Lq;
    T lambda, eps;
};

/// Cosine between each query fragment x_q and its attended vector c_q = sum_s alpha[q, s] y_s in the
/// Gram form (docs/ops.md#gram_cosine), per pair p, never forming c_q:
///   num = sum_s alpha[q, s] A[s, q];  cc = alpha_q^T G alpha_q;  r[q] = num / max(xnorm[q] sqrt(cc), eps)
/// alpha (P, Lq, Ls); A (P, Ls, Lq) with A[s, q] = <y_s, x_q> (the raw step-1 logits, clipped_attention's
/// layout); G (P, Ls, Ls) = Y Y^T; xnorm (P, Lq) = |x_q|; r (P, Lq).
template <class T>
struct GramCosineArgs {
    const T* alpha;
    const T* A;
    const T* G;
    const T* xnorm;
    T* r;
    std::int64_t P, Lq, Ls;
    T eps;
};

/// Gradients of r for every input (all written, not accumulated).
template <class T>
struct GramCosineBwdArgs {
    const T* alpha;
    const T* A;
    const T* G;
    const T* xnorm;
    const T* dr;
    T* dalpha;
    T* dA;
    T* dG;
    T* dxnorm;
    std::int64_t P, Lq, Ls;
    T eps;
};

/// IMRAM gated memory distillation per row n of q (N, D), from pre-activations pre (N, 2D) = W [q; c] + b:
///   o = tanh(pre[:D]), g = sigmoid(pre[D:]), u = g q + (1 - g) o, y = u / (|u| + eps) if normalize else u.
/// norm (N) = |u| (written only when normalize) is saved for backward.
template <class T>
struct GatedMemoryArgs {
    const T* q;
    const T* pre;
    T* y;
    T* norm;
    std::int64_t N, D;
    bool normalize;
    T eps;
};

/// dq (N, D) and dpre (N, 2D) from dy, recomputing o and g from pre.
template <class T>
struct GatedMemoryBwdArgs {
    const T* q;
    const T* pre;
    const T* y;
    const T* norm;
    const T* dy;
    T* dq;
    T* dpre;
    std::int64_t N, D;
    bool normalize;
    T eps;
};

/// CAMP's gate, fusion and residual after the fusion GEMM (docs/ops.md#camp_gated_fusion), per row n of
/// x, f, y (N, D): g = sigmoid(<x, f>), h = relu(g y) + x. gate (N) = g is saved for backward. All contiguous.
template <class T>
struct CampGatedFusionArgs {
    const T* x;
    const T* f;
    const T* y;
    T* h;
    T* gate;
    std::int64_t N, D;
};

/// dx, df, dy (N, D) from dh, with the gate saved by the forward; the mask [g y > 0] is recomputed.
template <class T>
struct CampGatedFusionBwdArgs {
    const T* x;
    const T* f;
    const T* y;
    const T* gate;
    const T* dh;
    T* dx;
    T* df;
    T* dy;
    std::int64_t N, D;
};

/// CAMP's SummaryAttn after its linear layers (docs/ops.md#attention_pool), per pair p: alpha[p, :, h] =
/// softmax over the valid positions of logits[p, :, h] (P, n, H), w = mean over heads, out[p] = sum_i
/// w_i x[p, i] (P, D). valid (P, n) or null (all valid). alpha is written for the backward.
template <class T>
struct AttentionPoolArgs {
    const T* x;
    const T* logits;
    const std::uint8_t* valid;
    T* alpha;
    T* out;
    std::int64_t P, n, D, H;
};

/// dx (P, n, D) and dlogits (P, n, H) from dout (P, D); dw (P, n) is workspace.
template <class T>
struct AttentionPoolBwdArgs {
    const T* x;
    const T* alpha;
    const T* dout;
    T* dw;
    T* dx;
    T* de;
    std::int64_t P, n, D, H;
};

/// Masked scaled-dot-product attention per pair (docs/ops.md#scaled_dot_attention): q (P, n, Dk),
/// k (P, m, Dk), v (P, m, Dv), valid (P, m) or null (every key valid); probs (P, n, m) is written for the
/// backward, out (P, n, Dv).
template <class T>
struct ScaledDotAttentionArgs {
    const T* q;
    const T* k;
    const T* v;
    const std::uint8_t* valid;
    T* probs;
    T* out;
    std::int64_t P, n, m, Dk, Dv;
    T scale;
};

/// dq, dk, dv from dout (P, n, Dv); ds (P, n, m) is workspace (the logits' gradient).
template <class T>
struct ScaledDotAttentionBwdArgs {
    const T* q;
    const T* k;
    const T* v;
    const T* probs;
    const T* dout;
    T* ds;
    T* dq;
    T* dk;
    T* dv;
    std::int64_t P, n, m, Dk, Dv;
    T scale;
};

/// LayerNorm over the last dim of x (N, D) (docs/ops.md#layer_norm); weight and bias (D) both or neither
/// (null). mean and rstd (N) are written for the backward.
template <class T>
struct LayerNormArgs {
    const T* x;
    const T* weight;
    const T* bias;
    T* y;
    T* mean;
    T* rstd;
    std::int64_t N, D;
    T eps;
};

/// dx (N, D), and dweight, dbias (D) when weight is given (null otherwise), from dy.
template <class T>
struct LayerNormBwdArgs {
    const T* x;
    const T* weight;
    const T* mean;
    const T* rstd;
    const T* dy;
    T* dx;
    T* dweight;
    T* dbias;
    std::int64_t N, D;
};

/// Reparameterised Gaussian draws (docs/ops.md#gaussian_sample): mu and logsig (N, D), eps (N, K, D) ->
/// z (N, K, D) = mu + exp(logsig) eps.
template <class T>
struct GaussianSampleArgs {
    const T* mu;
    const T* logsig;
    const T* eps;
    T* z;
    std::int64_t N, K, D;
};

/// dmu and dlogsig (N, D) from dz (N, K, D).
template <class T>
struct GaussianSampleBwdArgs {
    const T* logsig;
    const T* eps;
    const T* dz;
    T* dmu;
    T* dlogsig;
    std::int64_t N, K, D;
};

/// PCME's log match probability over K x J sample pairs (docs/ops.md#match_log_prob): za (N, K, D),
/// zb (M, J, D), a and b one element each (the negative scale and shift, read on the device),
/// positive (N, M) 0/1 of the same dtype or null (every pair positive) -> out (N, M) =
/// logsumexp_{k,j} logsigmoid(2 sigma (-a d + b)) - log(K J), d = sqrt(max(|za_nk - zb_mj|^2, 0) + 1e-6).
template <class T>
struct MatchLogProbArgs {
    const T* za;
    const T* zb;
    const T* a;
    const T* b;
    const T* positive;
    T* out;
    std::int64_t N, M, K, J, D;
};

/// dza (N, K, D), dzb (M, J, D), da and db (1) from dout (N, M) (all written, not accumulated).
template <class T>
struct MatchLogProbBwdArgs {
    const T* za;
    const T* zb;
    const T* a;
    const T* b;
    const T* positive;
    const T* dout;
    T* dza;
    T* dzb;
    T* da;
    T* db;
    std::int64_t N, M, K, J, D;
};

/// Hardest negatives of a square score matrix s (n, n), row-major: for each row i the column j != i
/// with the largest s[i, j], and for each column j the row i != j with the largest s[i, j]; the
/// first index wins ties (as a left-to-right scan with '>'). n >= 2. Outputs may be device memory.
template <class T>
struct HardestNegArgs {
    const T* s;
    std::int64_t n;
    std::int64_t* row_neg;
    std::int64_t* col_neg;
};

/// GRU cell after its GEMMs (docs/ops.md#gru_cell): gi = x W_ih^T + b_ih and gh = h W_hh^T + b_hh (B, 3H),
/// gates in PyTorch's order r, z, n; h and h_new (B, H). All contiguous.
template <class T>
struct GruCellArgs {
    const T* gi;
    const T* gh;
    const T* h;
    T* h_new;
    std::int64_t B, H;
};

/// Backward from dh_new; the gates are recomputed from gi, gh, h.
template <class T>
struct GruCellBwdArgs {
    const T* gi;
    const T* gh;
    const T* h;
    const T* dh_new;
    T* dgi;
    T* dgh;
    T* dh;
    std::int64_t B, H;
};

/// One Adam step (PyTorch semantics, no weight decay) over n contiguous elements, in place:
///   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
///   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
/// `grad_scale` multiplies g first (global-norm clipping folds in here).
template <class T>
struct AdamArgs {
    T* param;
    const T* grad;
    T* m;
    T* v;
    std::int64_t n;
    double lr, beta1, beta2, eps, grad_scale;
    std::int64_t step;  // t >= 1, after increment
};

/// One SGD step (PyTorch semantics, dampening 0) over n contiguous elements, in place:
///   g = grad_scale grad + weight_decay p;
///   momentum != 0: buf = first_step ? g : momentum buf + g;  g = nesterov ? g + momentum buf : buf;
///   p -= lr g.
/// `buf` is not touched (and may be null) when momentum is 0; at the first step it is only written.
template <class T>
struct SgdArgs {
    T* param;
    const T* grad;
    T* buf;
    std::int64_t n;
    double lr, momentum, weight_decay, grad_scale;
    bool nesterov, first_step;
};

/// Sum of squares of n contiguous elements, accumulated in double (for global-norm clipping).
template <class T>
struct SumSquaresArgs {
    const T* x;
    std::int64_t n;
    double* out;
};

/// The (images x captions) score matrix of IMRAM / SCAN without autograd (core/ops/imram_score.cpp,
/// docs/IMRAM_SPEC.md 1.3-1.5). Every pointer is on the backend's device; all buffers contiguous.
template <class T>
struct ImramScoreArgs {
    const T* images;  // (Ni, R, D) regions
    std::int64_t Ni, R, D;
    const T* captions;            // (Nc, L, D) words, padded; rows past a caption's length are ignored
    const std::int64_t* lengths;  // (Nc), 1 <= lengths[j] <= L
    std::int64_t Nc, L;
    // Memory units (null when unused): weight (D, 2D) applied to [q; c], bias (D).
    const T *lin_t2i_w, *lin_t2i_b, *gate_t2i_w, *gate_t2i_b;
    const T *lin_i2t_w, *lin_i2t_b, *gate_i2t_w, *gate_i2t_b;
    bool t2i, i2t;  // directions to sum
    bool memory;    // IMRAM (gated memory between steps) or SCAN (one step)
    bool no_norm;   // --no_IMRAM_norm: memory outputs are not l2-normalised
    int pool;       // SCAN agg_func over fragments: 0 mean, 1 LogSumExp, 2 max, 3 sum (IMRAM: 0)
    std::int64_t K;  // steps per direction
    double lambda, lambda_lse;
    T* scores;  // (Ni, Nc) output
};

}  // namespace imram
