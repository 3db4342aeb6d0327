// SPDX-License-Identifier: MIT
// The public functional API. Every op validates its arguments (always, also in Release) and throws
// imram::Error naming the op and the shapes, dispatches to the kernel of its inputs' device, and,
// when an input requires grad and grad mode is on, records its backward on the tape.
//
//   Tensor x = randn({4, 3}, /*seed=*/1).set_requires_grad();
//   Tensor loss = sum(l2norm(x));
//   loss.backward();            // x.grad() now holds d loss / d x
//
// Conventions: inputs of one op share device and dtype (floating ops take f32 or f64); "dim" may be
// negative; broadcasting follows NumPy; results are new contiguous tensors unless documented as views.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace imram {

// ---- elementwise, broadcasting
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
/// Scalar right-hand side (a 0-d tensor of a's dtype and device is broadcast).
Tensor add(const Tensor& a, double b);
/// acc += g in place, off the tape (gradient accumulation): acc contiguous, g of acc's shape (any
/// strides), dtype and device.
void add_(Tensor& acc, const Tensor& g);
Tensor mul(const Tensor& a, double b);
Tensor scalar_like(const Tensor& like, double v);

// ---- elementwise, unary
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
/// x^p for a scalar p (x > 0 unless p is an integer).
Tensor pow(const Tensor& x, double p);
/// min(max(x, lo), hi); the gradient passes where lo <= x <= hi.
Tensor clamp(const Tensor& x, double lo, double hi);

// ---- selection (cond: Bool, broadcast with a and b)
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
/// x where mask is false, `value` where mask is true (mask: Bool broadcastable to x).
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);

// ---- reductions
/// Sum over `dims` (all dims when empty).
Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
struct MaxResult {
    Tensor values;
    Tensor indices;  // i64, first maximum on ties
};
MaxResult max(const Tensor& x, std::int64_t dim, bool keepdim = false);
/// Euclidean norm along `dim`; its gradient at a zero vector is taken as 0.
Tensor norm(const Tensor& x, std::int64_t dim, bool keepdim = false);

// ---- products
/// (..., M, K) @ (K, N) -> (..., M, N), or (M, K) @ (K, N).
Tensor matmul(const Tensor& a, const Tensor& b);
/// (B, M, K) @ (B, K, N) -> (B, M, N).
Tensor bmm(const Tensor& a, const Tensor& b);
/// x (..., K), weight (N, K), bias (N) or undefined -> x W^T + b (..., N).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// ---- shape and layout (transpose, permute, expand, slice, and reshape of a contiguous tensor are views)
Tensor transpose(const Tensor& x, std::int64_t d0, std::int64_t d1);
Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims);
/// One size may be -1. Copies when x is not contiguous.
Tensor reshape(const Tensor& x, const Shape& shape);
/// Broadcast view to `shape` (sizes of 1 are repeated with stride 0; new leading dims allowed).
Tensor expand(const Tensor& x, const Shape& shape);
Tensor contiguous(const Tensor& x);
/// A differentiable copy.
Tensor clone(const Tensor& x);
/// x[..., start:end:step, ...] along `dim` (end is clamped to the size; step > 0).
Tensor slice(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step = 1);
Tensor cat(const std::vector<Tensor>& xs, std::int64_t dim);
Tensor stack(const std::vector<Tensor>& xs, std::int64_t dim);
Tensor unsqueeze(const Tensor& x, std::int64_t dim);
Tensor squeeze(const Tensor& x, std::int64_t dim);

// ---- indexing (indices: i32 or i64)
/// idx (n) -> x with size n along dim: out[.., j, ..] = x[.., idx[j], ..].
Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& idx);
/// idx has x's shape except along dim: out[.., j, ..] = x[.., idx[.., j, ..], ..].
Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& idx);
/// weight (V, D), ids (...) -> (..., D); the backward scatter-adds into the rows used.
Tensor embedding(const Tensor& weight, const Tensor& ids);

// ---- normalisation
/// Softmax along dim over the positions where `valid` (Bool, x's shape or broadcastable) is true.
/// Excluded positions give 0, and a row with no valid position gives all zeros (not NaN).
Tensor softmax(const Tensor& x, std::int64_t dim, const Tensor& valid = Tensor());
/// log of softmax over the valid positions; excluded positions give 0 (and receive no gradient).
Tensor log_softmax(const Tensor& x, std::int64_t dim, const Tensor& valid = Tensor());
/// PyTorch's LayerNorm over the last dim: (x - mean) / sqrt(var + eps) with the biased variance, times
/// weight plus bias (both (D), or both undefined for the plain form). One fused kernel with its own
/// backward (to x, weight and bias).
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps = 1e-5);
/// PCME's reparameterised Gaussian draws (spec 1.4): with mu and logsig (N, D) and standard normal draws
/// eps (N, K, D) (e.g. randn with the run's seed and a counter offset, so a run is reproducible),
/// z[n, k] = mu[n] + exp(logsig[n]) eps[n, k], (N, K, D). logsig is a log standard deviation. One fused
/// kernel with its own backward to mu and logsig (none to eps).
Tensor gaussian_sample(const Tensor& mu, const Tensor& logsig, const Tensor& eps);
/// PCME's log match probability (docs/ops.md#match_log_prob) between the samples za (N, K, D) of N items
/// and zb (M, J, D) of M items, with the learnable scalars negative_scale a and shift b (each of shape (1)):
/// with d = sqrt(max(|za_nk - zb_mj|^2, 0) + 1e-6) and s = -a d + b, out[n, m] = log mean_{k,j}
/// sigmoid(2 sigma s), sigma = +1 where positive[n, m] != 0 (or positive is undefined) and -1 elsewhere:
/// log p(match) for positive pairs, log(1 - p(match)) for negative ones, computed as a log-sum-exp of
/// log-sigmoids so it stays finite when p underflows. positive (N, M) is a 0/1 mask of za's dtype and
/// device; no gradient flows into it. (N, M). One fused kernel with its own backward to za, zb, a and b.
Tensor match_log_prob(const Tensor& za, const Tensor& zb, const Tensor& negative_scale, const Tensor& shift,
                      const Tensor& positive = Tensor());
/// x / (||x||_2 + eps) along the last dim (eps is added to the norm, not inside the sqrt).
Tensor l2norm(const Tensor& x, double eps = 1e-8);
/// <a, b> / max(|a| |b|, eps) along the last dim; a and b of the same shape (..., D) -> (...).
Tensor cosine_similarity(const Tensor& a, const Tensor& b, double eps = 1e-8);

// ---- fused IMRAM / SCAN attention
/// Attention weights from raw logits A = C Q^T (P, Ls, Lq) with the official clipped_l2norm:
/// leaky_relu(A, 0.1), query pads zeroed, l2norm over the query axis (eps added to the norm), then
/// alpha[p, q, :] = softmax over the valid context positions of lambda * that, (P, Lq, Ls).
/// q_valid (P, Lq) and c_valid (P, Ls) are Bool or undefined (all valid). One fused kernel with its
/// own backward on every backend.
Tensor clipped_attention(const Tensor& logits, const Tensor& q_valid, const Tensor& c_valid, double lambda,
                         double eps = 1e-8);
/// Cosine between query fragments x_q and their attended vectors c_q = sum_s alpha[p, q, s] y_s without
/// forming c_q (the Gram form, spec 1.4): with the raw logits A[p, s, q] = <y_s, x_q> (P, Ls, Lq, the layout
/// clipped_attention takes), the context Gram matrices G[p] = Y Y^T (P, Ls, Ls) and xnorm[p, q] = |x_q| (P, Lq),
///   r[p, q] = sum_s alpha[p, q, s] A[p, s, q] / max(xnorm[p, q] sqrt(alpha_q^T G[p] alpha_q), eps)   (P, Lq),
/// which is cosine_similarity(x, bmm(alpha, y), eps) with the same eps placement. Differentiable in all four.
Tensor gram_cosine(const Tensor& alpha, const Tensor& logits, const Tensor& gram, const Tensor& xnorm,
                   double eps = 1e-8);
/// IMRAM gated memory distillation from the pre-activations pre = [W_o | W_g] [q; c] + [b_o; b_g] (..., 2D):
///   o = tanh(pre[..., :D]), g = sigmoid(pre[..., D:]), q' = g q + (1 - g) o, then l2norm(q', eps) if
///   `normalize` (the official default; --no_IMRAM_norm turns it off). q (..., D) -> (..., D).
/// One fused kernel with its own backward (to q and pre, so the projections around it stay GEMMs).
Tensor gated_memory(const Tensor& q, const Tensor& pre, bool normalize, double eps = 1e-8);
/// CAMP's gate, fusion and residual (spec 1.7-1.8) after the fusion layer y = W [x; f] (a GEMM outside):
///   g = sigmoid(<x, f>) per row, h = relu(g y) + x, with x, f, y of one shape (..., D) -> (..., D).
/// One fused kernel with its own backward (to x, f and y; relu's gradient is 0 where g y <= 0).
Tensor camp_gated_fusion(const Tensor& x, const Tensor& f, const Tensor& y);
/// CAMP's attention pooling (SummaryAttn after its two linear layers): with x (P, n, D) and logits
/// (P, n, heads), alpha[p, :, h] = softmax over the positions where valid (P, n) Bool (or all when
/// undefined) of logits[p, :, h], and out[p] = sum_i (mean_h alpha[p, i, h]) x[p, i], (P, D). A pair with
/// no valid position gives zeros. One fused kernel with its own backward (to x and logits).
Tensor attention_pool(const Tensor& x, const Tensor& logits, const Tensor& valid = Tensor());
/// Masked scaled-dot-product attention per pair (CAMP's message passing, spec 1.4): with q (P, n, Dk),
/// k (P, m, Dk), v (P, m, Dv), out[p, i] = sum_j softmax_j(scale <q_i, k_j>) v_j over the keys where
/// key_valid (P, m) Bool is true (all when undefined); a query with no valid key gives 0. (P, n, Dv).
/// One fused kernel with its own backward (to q, k and v); the probabilities are its only saved tensor.
Tensor scaled_dot_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_valid, double scale);
/// One GRU step after its GEMMs, PyTorch's gate order r, z, n: with gi = x W_ih^T + b_ih and
/// gh = h W_hh^T + b_hh (B, 3H) and h (B, H),
///   r = sigmoid(gi_r + gh_r), z = sigmoid(gi_z + gh_z), n = tanh(gi_n + r gh_n), h' = (1 - z) n + z h.
/// One fused kernel with its own backward (to gi, gh and h, so the projections stay GEMMs).
Tensor gru_cell(const Tensor& gi, const Tensor& gh, const Tensor& h);
/// One GRU direction's recurrence over padded sequences after the hoisted input projection:
/// gx (B, L, 3H) = x W_ih^T + b_ih, w_hh (3H, H), b_hh (3H), lengths (B, each in [1, L]) -> (B, L, H), the
/// states h_1..h_len from h_0 = 0 and zeros after each length; gru_cell's gates (PyTorch's order) with
/// gh_t = h_{t-1} W_hh^T + b_hh. One node of the tape; W_hh's gradient is one GEMM over all words.
Tensor gru_sequence(const Tensor& gx, const Tensor& w_hh, const Tensor& b_hh, const std::vector<std::int64_t>& lengths);

// ---- the whole (images x captions) score matrix without the tape (evaluation, negative mining)
/// One gated memory unit (spec 1.4): linear and gate weights (D, 2D) applied to [q; c], biases (D).
struct MemoryUnitWeights {
    Tensor linear_weight, linear_bias, gate_weight, gate_bias;
};
/// What imram_score_all computes: which directions, how many steps, memory or SCAN pooling.
struct ImramScoreSettings {
    bool t2i = true, i2t = true;  // words attend to regions / regions attend to words; the two are summed
    bool memory = true;           // IMRAM's gated memory between steps (false: SCAN, one step)
    bool normalize_memory = true; // l2-normalise memory outputs (false: --no_IMRAM_norm)
    std::int64_t steps = 1;       // K
    double lambda = 9.0;          // attention softmax temperature
    enum class Pool { Mean, LogSumExp, Max, Sum } pool = Pool::Mean;  // over fragments (IMRAM: Mean)
    double lambda_lse = 6.0;      // with Pool::LogSumExp
};
/// S[i, j] = sum over the chosen directions and steps k = 1..K of the pooled cosines between the
/// original fragments and their attended vectors (docs/IMRAM_SPEC.md 1.3-1.5), for every image i of
/// images (Ni, R, D) and caption j of captions (Nc, L, D) with lengths[j] valid words (rows past it
/// are ignored, whatever they hold). (Ni, Nc), on the inputs' device. Not differentiable: the ref
/// kernel is the plain per-pair oracle, the cpu and CUDA kernels take the exact shortcuts of spec 1.4.
Tensor imram_score_all(const Tensor& images, const Tensor& captions, const std::vector<std::int64_t>& lengths,
                       const MemoryUnitWeights& t2i, const MemoryUnitWeights& i2t, const ImramScoreSettings& s);

// ---- training: negative mining and the optimizer (not differentiable)
/// The hardest negatives of a square (B, B) score matrix s, B >= 2, positives on the diagonal:
///   row[i] = argmax_{j != i} s[i, j]  (image i's hardest caption), col[j] = argmax_{i != j} s[i, j]
///   (caption j's hardest image); ties go to the first index, as max does. (B) i64 each, on s's device.
struct HardestNegatives {
    Tensor row, col;
};
HardestNegatives hardest_negatives(const Tensor& scores);
/// sum of x^2 over every element of a floating tensor, accumulated in double; on any device, the
/// result on the host (gradient clipping reads it at once).
double sum_squares(const Tensor& x);
/// The settings of one Adam step (PyTorch's Adam, no weight decay); `step` counts from 1.
struct AdamStep {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    double grad_scale = 1.0;  // the gradient is multiplied by this first (gradient clipping)
    std::int64_t step = 1;
};
/// One Adam step in place, elementwise over contiguous tensors of one shape, dtype and device:
///   g = grad_scale grad; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
///   param -= lr (m / (1 - b1^step)) / (sqrt(v / (1 - b2^step)) + eps).
void adam_step_(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamStep& s);
/// The settings of one SGD step (PyTorch's SGD with dampening 0).
struct SgdStep {
    double lr = 1e-3, momentum = 0, weight_decay = 0;
    bool nesterov = false;    // needs momentum > 0, as PyTorch
    double grad_scale = 1.0;  // the gradient is multiplied by this first (gradient clipping)
    bool first_step = true;   // the momentum buffer does not exist yet: it is set, not updated
};
/// One SGD step in place, elementwise over contiguous tensors of one shape, dtype and device
/// (torch.optim.SGD, dampening 0):
///   g = grad_scale grad + weight_decay param;
///   momentum != 0: buf = g at the first step (PyTorch clones the gradient; no zero start), else
///                  buf = momentum buf + g;  g = nesterov ? g + momentum buf : buf;
///   param -= lr g.
/// With momentum 0 the buffer is neither read nor written and may be undefined; at the first step it
/// is only written, so it may hold anything.
void sgd_step_(Tensor& param, const Tensor& grad, Tensor& momentum_buffer, const SgdStep& s);

}  // namespace imram
