// SPDX-License-Identifier: MIT
// The no-tape (images x captions) IMRAM / SCAN score matrix on the GPU (op imram_score_all; the
// contract is ImramScoreArgs in kernels/args.h, the oracle kernels/ref/imram_score.cpp). The CPU
// kernel's algorithm (kernels/cpu/imram_score.cpp) with the same exact shortcuts of
// docs/IMRAM_SPEC.md 1.4, laid out for the GPU: captions stay padded to L (pads are masked, never
// read as values), and the work of a block of images x a chunk of captions is a few large GEMMs
// plus one small kernel per step.
//
// Maths, per image V_i (R, D) and caption X_j (L_j valid rows of D), step k:
//   logits  S1 = X V^T (step 1, for both directions), later S_k = Q_k V_i^T (t2i) or X_j Q_k^T (i2t)
//   alpha   LeakyReLU_0.1, l2norm over the query axis (+eps), softmax over the context of lambda * that
//   cosine  <x_q, c_q> = sum_s alpha_qs S1_qs,  |c_q|^2 = alpha_q G alpha_q^T (G = V V^T or X X^T),
//           r_q = <x_q, c_q> / max(|x_q| |c_q|, eps), pooled over the query fragments (mean, LSE, max, sum)
//   memory  pre = alpha Pc (Pc = C Wc^T per context item, once) + [k >= 2: Q Wq^T] + [k = 1: X Wq^T] + b,
//           q' = g q + (1 - g) tanh(.), g = sigmoid(.), l2-normalised unless no_norm
// Threads: the per-pair epilogue (alpha, cosine, pooling) is one 128-thread block per pair, a thread per
//          query fragment, looping over the R (or L_j) context fragments; the memory update is one
//          128-thread block per (pair, query fragment) row, like gated_memory.cuh. GEMMs go through
//          the engine's gemm (cuBLAS, or the emulator's).
// Cost: the GEMMs are the CPU kernel's (about 0.23 GFLOP per pair for full IMRAM at K 3, D 1024);
//       the epilogue is O(Lq Ls^2) per step and pair (the Gram quadratic form). Scratch is bounded by
//       kScratchBytes: a block of up to 16 images x a chunk of up to 32 captions at a time.
#pragma once

#include <algorithm>

#include "kernels/cuda/common.cuh"

namespace imram::IMRAM_CUDA_NS {

namespace imram_score_detail {

constexpr double kEps = 1e-8;
constexpr std::int64_t kCaptionChunk = 32;  // captions per chunk
constexpr std::int64_t kImageBlock = 16;    // images per block: 512 pairs, 512 blocks per epilogue launch
constexpr std::int64_t kScratchBytes = std::int64_t(256) << 20;

/// Device memory from the caching allocator for the duration of one call.
class Scratch {
public:
    Scratch(Device dev, std::size_t bytes) : dev_(dev), bytes_(bytes), p_(bytes ? gpu::alloc(dev, bytes) : nullptr) {}
    ~Scratch() {
        if (p_) gpu::release(dev_, p_, bytes_);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    template <class T>
    T* as() const {
        return static_cast<T*>(p_);
    }

private:
    Device dev_;
    std::size_t bytes_;
    void* p_;
};

/// C (M, N) = A op(B) + beta C, row-major, `batch` times with the given element strides.
template <class T>
void mm(T* C, std::int64_t ldc, const T* A, std::int64_t lda, const T* B, std::int64_t ldb, bool tb, std::int64_t M,
        std::int64_t N, std::int64_t K, T beta, std::int64_t batch = 1, std::int64_t sa = 0, std::int64_t sb = 0,
        std::int64_t sc = 0) {
    gemm<T>(GemmArgs<T>{false, tb, M, N, K, T(1), A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch});
}

/// out (rows, 2D) = X (rows, D) [W_lin[:, col0:col0+D] | W_gate[:, col0:col0+D]]^T: the query (col0 = 0)
/// or context (col0 = D) half of a memory unit, without restacking the weights; beta 1 accumulates.
template <class T>
void project_halves(T* out, const T* X, std::int64_t rows, std::int64_t D, const T* w_lin, const T* w_gate,
                    std::int64_t col0, T beta) {
    mm<T>(out, 2 * D, X, D, w_lin + col0, 2 * D, true, rows, D, D, beta);
    mm<T>(out + D, 2 * D, X, D, w_gate + col0, 2 * D, true, rows, D, D, beta);
}

template <class T>
__global__ void fill_kernel(T* x, std::int64_t n, T v) {
    for (std::int64_t e = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; e < n;
         e += std::int64_t(gridDim.x) * blockDim.x)
        x[e] = v;
}

/// out[r] = |x_r| for n rows of D.
template <class T>
__global__ void row_norms_kernel(const T* x, std::int64_t n, std::int64_t D, T* out) {
    for (std::int64_t r = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; r < n;
         r += std::int64_t(gridDim.x) * blockDim.x) {
        T ss = 0;
        for (std::int64_t k = 0; k < D; ++k) ss += x[r * D + k] * x[r * D + k];
        out[r] = d_sqrt(ss);
    }
}

/// Zeroes the rows of a chunk's padded caption matrix (count, L, width) past each caption's length, so
/// that a zero attention weight times a pad row stays zero whatever the pad held.
template <class T>
__global__ void zero_pads_kernel(T* x, std::int64_t count, std::int64_t L, std::int64_t width,
                                 const std::int64_t* lengths) {
    const std::int64_t n = count * L * width;
    for (std::int64_t e = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; e < n;
         e += std::int64_t(gridDim.x) * blockDim.x) {
        const std::int64_t row = e / width;
        if (row % L >= lengths[row / L]) x[e] = T(0);
    }
}

/// What the per-pair kernels of one (image block, caption chunk) see. Pair p = il * nc + jl is image
/// i0 + il and caption j0 + jl.
template <class T>
struct Block {
    const T* S1;           // (nc L, ni R) raw step-1 logits: row jl L + l, column il R + r
    const T* Sk;           // (P, L, R) logits of step k >= 2, or null at step 1
    const T* G;            // (Ni, R, R) image Gram matrices
    const T* H;            // (nc, L, L) caption Gram matrices of the chunk
    const T* vnorm;        // (Ni R)
    const T* xnorm;        // (nc L)
    const std::int64_t* lengths;  // (nc) of the chunk
    std::int64_t i0, ni, j0, nc, R, L, Nc;
    T* alpha;    // t2i (P, L, R), i2t (P, R, L); pads 0
    T* norms;    // (P, max(L, R)) scratch
    T* scores;   // (Ni, Nc), accumulated
    T lambda;
    double lambda_lse;
    int pool;
};

template <class T>
__device__ __forceinline__ T leaky(T v) {
    return v > T(0) ? v : T(0.1) * v;
}

/// Adds one fragment's cosine to a thread's pooling accumulator (ImramScoreArgs::pool).
template <class T>
__device__ __forceinline__ void pool_add(T& acc, T r, int how, double lambda_lse) {
    if (how == 1) acc += d_exp(T(lambda_lse) * r);
    else if (how == 2) acc = d_max(acc, r);
    else acc += r;
}

/// Reduces the block's accumulators and adds the pooled value of n fragments to the pair's score.
template <class T>
__device__ void pool_finish(const Block<T>& b, T acc, std::int64_t n, std::int64_t il, std::int64_t jl, T* scratch) {
    T v;
    if (b.pool == 2) v = block_allreduce(acc, MaxOp{}, d_neg_inf<T>(), scratch);
    else v = block_allreduce(acc, SumOp{}, T(0), scratch);
    if (threadIdx.x != 0) return;
    if (b.pool == 0) v /= static_cast<T>(n);
    else if (b.pool == 1) v = d_log(v) / T(b.lambda_lse);
    b.scores[(b.i0 + il) * b.Nc + b.j0 + jl] += v;
}

/// The pair of this block (blockIdx.x) and its slices of the block's buffers.
template <class T>
struct PairOf {
    std::int64_t il, jl, i, Lj, ld, ldk;  // image in block, caption in chunk, image, length, row strides
    const T* s1;  // (l, r) raw step-1 logits at s1[l * ld + r]
    const T* sk;  // this step's logits at sk[l * ldk + r]
    T* norms;     // max(L, R) scratch
    T* alpha;     // L R attention weights
    __device__ explicit PairOf(const Block<T>& b) {
        const std::int64_t p = blockIdx.x;
        il = p / b.nc, jl = p % b.nc, i = b.i0 + il, Lj = b.lengths[jl], ld = b.ni * b.R;
        s1 = b.S1 + jl * b.L * ld + il * b.R;
        sk = b.Sk ? b.Sk + p * b.L * b.R : s1;
        ldk = b.Sk ? b.R : ld;
        norms = b.norms + p * (b.L > b.R ? b.L : b.R);
        alpha = b.alpha + p * b.L * b.R;
    }
};

/// Text-IMRAM / SCAN t2i, one step, one block per pair: words (rows) attend to regions.
template <class T>
__global__ void t2i_step_kernel(Block<T> b) {
    __shared__ T scratch[32];
    const PairOf<T> pr(b);
    const std::int64_t il = pr.il, jl = pr.jl, R = b.R, L = b.L, Lj = pr.Lj, ld = pr.ld, ldk = pr.ldk;
    const T *s1 = pr.s1, *sk = pr.sk;
    const T* G = b.G + pr.i * R * R;
    T* colnorm = pr.norms;
    T* alpha = pr.alpha;
    for (std::int64_t r = threadIdx.x; r < R; r += blockDim.x) {  // l2norm over the words, per region
        T ss = 0;
        for (std::int64_t l = 0; l < Lj; ++l) {
            const T v = leaky(sk[l * ldk + r]);
            ss += v * v;
        }
        colnorm[r] = d_sqrt(ss) + T(kEps);
    }
    __syncthreads();
    T acc = b.pool == 2 ? d_neg_inf<T>() : T(0);
    for (std::int64_t l = threadIdx.x; l < L; l += blockDim.x) {
        T* al = alpha + l * R;
        if (l >= Lj) {
            for (std::int64_t r = 0; r < R; ++r) al[r] = T(0);
            continue;
        }
        T m = d_neg_inf<T>();
        for (std::int64_t r = 0; r < R; ++r) m = d_max(m, leaky(sk[l * ldk + r]) / colnorm[r]);
        T z = 0;
        for (std::int64_t r = 0; r < R; ++r) z += al[r] = d_exp(b.lambda * (leaky(sk[l * ldk + r]) / colnorm[r] - m));
        T num = 0, cc = 0;
        for (std::int64_t r = 0; r < R; ++r) {
            al[r] /= z;
            num += al[r] * s1[l * ld + r];
        }
        for (std::int64_t r = 0; r < R; ++r) {
            T g = 0;
            for (std::int64_t s = 0; s < R; ++s) g += G[r * R + s] * al[s];
            cc += al[r] * g;
        }
        const T den = b.xnorm[jl * L + l] * d_sqrt(d_max(cc, T(0)));
        pool_add(acc, num / d_max(den, T(kEps)), b.pool, b.lambda_lse);
    }
    pool_finish(b, acc, Lj, il, jl, scratch);
}

/// Image-IMRAM / SCAN i2t, one step, one block per pair: regions attend to the caption's words.
template <class T>
__global__ void i2t_step_kernel(Block<T> b) {
    __shared__ T scratch[32];
    const PairOf<T> pr(b);
    const std::int64_t il = pr.il, jl = pr.jl, R = b.R, L = b.L, Lj = pr.Lj, ld = pr.ld, ldk = pr.ldk, i = pr.i;
    const T *s1 = pr.s1, *sk = pr.sk;
    const T* H = b.H + jl * L * L;
    T* rownorm = pr.norms;
    T* alpha = pr.alpha;
    for (std::int64_t l = threadIdx.x; l < Lj; l += blockDim.x) {  // l2norm over the regions, per word
        T ss = 0;
        for (std::int64_t r = 0; r < R; ++r) {
            const T v = leaky(sk[l * ldk + r]);
            ss += v * v;
        }
        rownorm[l] = d_sqrt(ss) + T(kEps);
    }
    __syncthreads();
    T acc = b.pool == 2 ? d_neg_inf<T>() : T(0);
    for (std::int64_t r = threadIdx.x; r < R; r += blockDim.x) {
        T* al = alpha + r * L;
        T m = d_neg_inf<T>();
        for (std::int64_t l = 0; l < Lj; ++l) m = d_max(m, leaky(sk[l * ldk + r]) / rownorm[l]);
        T z = 0;
        for (std::int64_t l = 0; l < Lj; ++l) z += al[l] = d_exp(b.lambda * (leaky(sk[l * ldk + r]) / rownorm[l] - m));
        for (std::int64_t l = Lj; l < L; ++l) al[l] = T(0);
        T num = 0, cc = 0;
        for (std::int64_t l = 0; l < Lj; ++l) {
            al[l] /= z;
            num += al[l] * s1[l * ld + r];
        }
        for (std::int64_t l = 0; l < Lj; ++l) {
            T h = 0;
            for (std::int64_t m2 = 0; m2 < Lj; ++m2) h += H[l * L + m2] * al[m2];
            cc += al[l] * h;
        }
        const T den = b.vnorm[i * R + r] * d_sqrt(d_max(cc, T(0)));
        pool_add(acc, num / d_max(den, T(kEps)), b.pool, b.lambda_lse);
    }
    pool_finish(b, acc, R, il, jl, scratch);
}

/// The memory update of every (pair, query fragment) row n = p * Q + f (Q = L for t2i, R for i2t):
/// q' = g q + (1 - g) o from pre (rows, 2D) plus the bias, plus at the first update the hoisted query
/// projection of the original fragment (first_pre). Pad rows of t2i are written as zeros.
template <class T>
struct GateArgs {
    T* q;               // (rows, D): read at k >= 2, written always
    const T* first_q;   // the original fragments at the first update (words of the chunk or regions)
    const T* first_pre; // their projections X Wq^T (rows of 2D), or null after the first update
    const T* pre;       // (rows, 2D)
    const T *b_lin, *b_gate;
    const std::int64_t* lengths;  // t2i: the chunk's; null for i2t (every region is valid)
    std::int64_t Q, nc, L, R, i0, D;
    bool t2i, normalize;
};

template <class T>
__global__ void gate_kernel(GateArgs<T> a) {
    __shared__ T scratch[32];
    const std::int64_t n = blockIdx.x, D = a.D, p = n / a.Q, f = n % a.Q, il = p / a.nc, jl = p % a.nc;
    T* q = a.q + n * D;
    if (a.t2i && f >= a.lengths[jl]) {  // uniform across the block
        for (std::int64_t k = threadIdx.x; k < D; k += blockDim.x) q[k] = T(0);
        return;
    }
    const std::int64_t orig = a.t2i ? jl * a.L + f : (a.i0 + il) * a.R + f;  // row of the original fragment
    const T* q_old = a.first_pre ? a.first_q + orig * D : q;
    const T* pre = a.pre + n * 2 * D;
    const T* first = a.first_pre ? a.first_pre + orig * 2 * D : nullptr;
    T ss = 0;
    for (std::int64_t k = threadIdx.x; k < D; k += blockDim.x) {
        const T po = pre[k] + a.b_lin[k] + (first ? first[k] : T(0));
        const T pg = pre[D + k] + a.b_gate[k] + (first ? first[D + k] : T(0));
        const T o = d_tanh(po);
        const T g = T(1) / (T(1) + d_exp(-pg));
        const T u = o + g * (q_old[k] - o);  // g q + (1 - g) o
        q[k] = u;
        ss += u * u;
    }
    if (!a.normalize) return;  // uniform across the block
    const T nrm = d_sqrt(block_allreduce(ss, SumOp{}, T(0), scratch)) + T(kEps);
    for (std::int64_t k = threadIdx.x; k < D; k += blockDim.x) q[k] /= nrm;
}

inline unsigned grid_of(std::int64_t n, const char* what) {
    IMRAM_GPU_CHECK(n >= 1 && n <= 0x7fffffff, "imram_score_all: ", n, " ", what, " exceed one grid dimension");
    return static_cast<unsigned>(n);
}

}  // namespace imram_score_detail

template <class T>
void imram_score_all(const ImramScoreArgs<T>& a) {
    using namespace imram_score_detail;
    const Device dev = this_device();
    const std::int64_t Ni = a.Ni, Nc = a.Nc, R = a.R, L = a.L, D = a.D;
    if (Ni == 0 || Nc == 0) return;
    IMRAM_LAUNCH(fill_kernel<T>, grid_for(Ni * Nc), kThreads, 0, a.scores, Ni * Nc, T(0));
    const bool mem = a.memory && a.K > 1;
    const bool mem_t2i = mem && a.t2i, mem_i2t = mem && a.i2t;
    const std::int64_t M = std::max(L, R);

    // ---- sizes: per-image tensors once; a chunk of nc captions; blocks of ni images against it
    const std::int64_t nc_max = std::min(Nc, kCaptionChunk);
    const std::int64_t per_pair = 3 * L * R + M + 2 * D * M + (mem_t2i ? L * D : 0) + (mem_i2t ? R * D : 0);
    const std::int64_t ni_max = std::clamp<std::int64_t>(
        kScratchBytes / static_cast<std::int64_t>(sizeof(T)) / (nc_max * per_pair), 1, std::min(Ni, kImageBlock));
    const std::int64_t P_max = ni_max * nc_max;
    std::int64_t total = 0;
    auto take = [&](std::int64_t n) { const std::int64_t at = total; total += n; return at; };
    const std::int64_t o_vnorm = take(Ni * R), o_G = take(Ni * R * R);
    const std::int64_t o_pc_t2i = take(mem_t2i ? Ni * R * 2 * D : 0), o_pq_i2t = take(mem_i2t ? Ni * R * 2 * D : 0);
    const std::int64_t o_xnorm = take(nc_max * L), o_H = take(nc_max * L * L);
    const std::int64_t o_pq_t2i = take(mem_t2i ? nc_max * L * 2 * D : 0);
    const std::int64_t o_pc_i2t = take(mem_i2t ? nc_max * L * 2 * D : 0);
    const std::int64_t o_S1 = take(P_max * L * R), o_Sk = take(P_max * L * R), o_alpha = take(P_max * L * R);
    const std::int64_t o_norms = take(P_max * M), o_pre = take(mem ? P_max * M * 2 * D : 0);
    const std::int64_t o_Q = take(mem_t2i ? P_max * L * D : 0), o_Qs = take(mem_i2t ? P_max * R * D : 0);
    const Scratch scratch(dev, static_cast<std::size_t>(total) * sizeof(T));
    T* base = scratch.as<T>();
    T *vnorm = base + o_vnorm, *G = base + o_G, *pc_t2i = base + o_pc_t2i, *pq_i2t = base + o_pq_i2t;
    T *xnorm = base + o_xnorm, *H = base + o_H, *pq_t2i = base + o_pq_t2i, *pc_i2t = base + o_pc_i2t;
    T *S1 = base + o_S1, *Sk = base + o_Sk, *alpha = base + o_alpha, *norms = base + o_norms, *pre = base + o_pre;
    T *Q = base + o_Q, *Qs = base + o_Qs;

    // ---- per image, once: norms, Gram matrices, the context (t2i) and query (i2t) projections
    IMRAM_LAUNCH(row_norms_kernel<T>, grid_for(Ni * R), kThreads, 0, a.images, Ni * R, D, vnorm);
    mm<T>(G, R, a.images, D, a.images, D, true, R, R, D, T(0), Ni, R * D, R * D, R * R);
    if (mem_t2i) project_halves<T>(pc_t2i, a.images, Ni * R, D, a.lin_t2i_w, a.gate_t2i_w, D, T(0));
    if (mem_i2t) project_halves<T>(pq_i2t, a.images, Ni * R, D, a.lin_i2t_w, a.gate_i2t_w, 0, T(0));

    for (std::int64_t j0 = 0; j0 < Nc; j0 += nc_max) {
        const std::int64_t nc = std::min(nc_max, Nc - j0);
        const T* X = a.captions + j0 * L * D;
        const std::int64_t* lengths = a.lengths + j0;
        // ---- per caption of the chunk: norms, Gram matrices, query (t2i) and context (i2t) projections
        IMRAM_LAUNCH(row_norms_kernel<T>, grid_for(nc * L), kThreads, 0, X, nc * L, D, xnorm);
        mm<T>(H, L, X, D, X, D, true, L, L, D, T(0), nc, L * D, L * D, L * L);
        if (mem_t2i) project_halves<T>(pq_t2i, X, nc * L, D, a.lin_t2i_w, a.gate_t2i_w, 0, T(0));
        if (mem_i2t) {
            project_halves<T>(pc_i2t, X, nc * L, D, a.lin_i2t_w, a.gate_i2t_w, D, T(0));
            IMRAM_LAUNCH(zero_pads_kernel<T>, grid_for(nc * L * 2 * D), kThreads, 0, pc_i2t, nc, L, 2 * D, lengths);
        }

        for (std::int64_t i0 = 0; i0 < Ni; i0 += ni_max) {
            const std::int64_t ni = std::min(ni_max, Ni - i0), P = ni * nc;
            const T* V = a.images + i0 * R * D;
            mm<T>(S1, ni * R, X, D, V, D, true, nc * L, ni * R, D, T(0));  // step-1 logits of every pair
            Block<T> b{S1, nullptr, G, H, vnorm, xnorm, lengths, i0, ni, j0, nc, R, L, Nc, alpha, norms,
                       a.scores, static_cast<T>(a.lambda), a.lambda_lse, a.pool};

            if (a.t2i) {
                for (std::int64_t k = 0; k < a.K; ++k) {
                    b.Sk = nullptr;
                    if (k > 0 && mem_t2i) {  // S_k of image il: its pairs' queries (nc L, D) against its regions
                        for (std::int64_t il = 0; il < ni; ++il)
                            mm<T>(Sk + il * nc * L * R, R, Q + il * nc * L * D, D, V + il * R * D, D, true, nc * L, R,
                                  D, T(0));
                        b.Sk = Sk;
                    }
                    IMRAM_LAUNCH(t2i_step_kernel<T>, grid_of(P, "pairs"), kRowThreads, 0, b);
                    if (!(mem_t2i && k + 1 < a.K)) continue;
                    for (std::int64_t il = 0; il < ni; ++il)  // alpha (nc L, R) times the image's Pc (R, 2D)
                        mm<T>(pre + il * nc * L * 2 * D, 2 * D, alpha + il * nc * L * R, R,
                              pc_t2i + (i0 + il) * R * 2 * D, 2 * D, false, nc * L, 2 * D, R, T(0));
                    if (k > 0) project_halves<T>(pre, Q, P * L, D, a.lin_t2i_w, a.gate_t2i_w, 0, T(1));
                    GateArgs<T> g{Q, X, k == 0 ? pq_t2i : nullptr, pre, a.lin_t2i_b, a.gate_t2i_b, lengths,
                                  L, nc, L, R, i0, D, true, !a.no_norm};
                    IMRAM_LAUNCH(gate_kernel<T>, grid_of(P * L, "rows"), kRowThreads, 0, g);
                }
            }

            if (a.i2t) {
                for (std::int64_t k = 0; k < a.K; ++k) {
                    b.Sk = nullptr;
                    if (k > 0 && mem_i2t) {  // S_k of pair (il, jl): X_j (L, D) against its queries (R, D)
                        for (std::int64_t il = 0; il < ni; ++il)
                            mm<T>(Sk + il * nc * L * R, R, X, D, Qs + il * nc * R * D, D, true, L, R, D, T(0), nc,
                                  L * D, R * D, L * R);
                        b.Sk = Sk;
                    }
                    IMRAM_LAUNCH(i2t_step_kernel<T>, grid_of(P, "pairs"), kRowThreads, 0, b);
                    if (!(mem_i2t && k + 1 < a.K)) continue;
                    for (std::int64_t il = 0; il < ni; ++il)  // alpha (R, L) times the caption's Pc (L, 2D)
                        mm<T>(pre + il * nc * R * 2 * D, 2 * D, alpha + il * nc * R * L, L, pc_i2t, 2 * D, false, R,
                              2 * D, L, T(0), nc, R * L, L * 2 * D, R * 2 * D);
                    if (k > 0) project_halves<T>(pre, Qs, P * R, D, a.lin_i2t_w, a.gate_i2t_w, 0, T(1));
                    GateArgs<T> g{Qs, a.images, k == 0 ? pq_i2t : nullptr, pre, a.lin_i2t_b, a.gate_i2t_b, nullptr,
                                  R, nc, L, R, i0, D, false, !a.no_norm};
                    IMRAM_LAUNCH(gate_kernel<T>, grid_of(P * R, "rows"), kRowThreads, 0, g);
                }
            }
        }
    }
}

template void imram_score_all(const ImramScoreArgs<float>&);
template void imram_score_all(const ImramScoreArgs<double>&);

}  // namespace imram::IMRAM_CUDA_NS
