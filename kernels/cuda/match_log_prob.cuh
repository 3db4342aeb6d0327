// SPDX-License-Identifier: MIT
// PCME's log match probability over the K x J sample pairs of two items (docs/ops.md#match_log_prob),
// forward and backward, in the Gram form (the reference forms the differences instead).
//
// Maths, for items n (za (N, K, D)) and m (zb (M, J, D)) and samples k, j, with a, b one element each:
//   d = sqrt(max(|za_nk|^2 + |zb_mj|^2 - 2 <za_nk, zb_mj>, 0) + 1e-6),  s = -a d + b,
//   sigma = +1 if positive[n, m] != 0 (or no mask) else -1,
//   out[n, m] = logsumexp_{k,j} logsigmoid(2 sigma s) - log(K J)
//   backward: g = dout 2 sigma softmax_{k,j}(logsigmoid(2 sigma s)) sigmoid(-2 sigma s) (derivative wrt s),
//             db = sum g, da = -sum g d, c = -a g / d,
//             dza = rowsum(c) za - C zb,  dzb = colsum(c) zb - C^T za   (C the (N K) x (M J) matrix of c)
// Threads: the inner products, dza and dzb are GEMMs (the engine's gemm: cuBLAS, or the emulator's) on
//          a block of whole items of za against all of zb, so the (N K) x (M J) matrix never exists
//          whole; the per-pair log-sum-exp is one thread per (n, m) looping over its K J entries (an
//          online log-sum-exp, one pass forward; the backward adds a second pass writing c over the
//          distances). Norms and row sums: one 128-thread block per row with block_allreduce; column
//          sums: a thread per column over the rows in order; da and db: per-pair partials reduced by one
//          block. No atomics anywhere: results do not depend on the schedule.
// Cost: forward 2 N K M J D FLOPs (the GEMM) plus ~5 transcendentals per sample pair; backward three
//       such GEMMs. At PCME's training sizes (N = M = 128, K = J = 7, D = 1024) the 896 x 896 x 1024
//       GEMMs are ~1.6 GFLOP each: tens of us on an H100, and the epilogue (~800 K sample pairs) less.
#pragma once

#include "kernels/cuda/common.cuh"

namespace imram::IMRAM_CUDA_NS {

namespace match_log_prob_detail {

constexpr double kDistEps = 1e-6;
// Scratch for one block of rows of the distance matrix. The emulator gets a small budget on purpose, so
// that the tests' modest shapes already run the multi-block path.
#ifdef __CUDACC__
constexpr std::int64_t kScratchBytes = std::int64_t(64) << 20;
#else
constexpr std::int64_t kScratchBytes = std::int64_t(64) << 10;
#endif

__device__ __forceinline__ float d_log1p(float x) {
    return log1pf(x);
}
__device__ __forceinline__ double d_log1p(double x) {
    return log1p(x);
}

/// log(sigmoid(x)) without overflow or log(0).
template <class T>
__device__ __forceinline__ T log_sigmoid(T x) {
    const T ax = x < T(0) ? -x : x;
    return (x < T(0) ? x : T(0)) - d_log1p(d_exp(-ax));
}

template <class T>
__device__ __forceinline__ T distance(T dot_m2, T na, T nb) {
    const T r = dot_m2 + na + nb;
    return d_sqrt((r > T(0) ? r : T(0)) + T(kDistEps));
}

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
    T* as(std::size_t offset_elems = 0) const {
        return static_cast<T*>(p_) + offset_elems;
    }

private:
    Device dev_;
    std::size_t bytes_;
    void* p_;
};

/// out[r] = |x_r|^2 for rows of length D; one block per row (grid-stride over rows).
template <class T>
__global__ void sq_norms_kernel(const T* x, std::int64_t rows, std::int64_t D, T* out) {
    __shared__ T scratch[32];
    for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        T s = 0;
        for (std::int64_t c = threadIdx.x; c < D; c += blockDim.x) s += x[r * D + c] * x[r * D + c];
        s = block_allreduce(s, SumOp{}, T(0), scratch);
        if (threadIdx.x == 0) out[r] = s;
    }
}

/// out[r] = sum of row r of S (rows, cols); one block per row.
template <class T>
__global__ void row_sums_kernel(const T* S, std::int64_t rows, std::int64_t cols, T* out) {
    __shared__ T scratch[32];
    for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        T s = 0;
        for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) s += S[r * cols + c];
        s = block_allreduce(s, SumOp{}, T(0), scratch);
        if (threadIdx.x == 0) out[r] = s;
    }
}

/// out[c] (+)= sum of column c of S (rows, cols), rows in order; a thread per column.
template <class T>
__global__ void col_sums_kernel(const T* S, std::int64_t rows, std::int64_t cols, T* out, bool accumulate) {
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t c = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; c < cols; c += stride) {
        T s = accumulate ? out[c] : T(0);
        for (std::int64_t r = 0; r < rows; ++r) s += S[r * cols + c];
        out[c] = s;
    }
}

/// dst[r, :] += scale[r] x[r, :] for rows of length D.
template <class T>
__global__ void add_scaled_rows_kernel(T* dst, const T* scale, const T* x, std::int64_t rows, std::int64_t D) {
    const std::int64_t total = rows * D, stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride)
        dst[i] += scale[i / D] * x[i];
}

/// logsumexp_{k,j} logsigmoid(2 sigma s) of pair (n, m), the distances' -2 <za, zb> in S (row block from n0).
template <class T, class Args>
__device__ T pair_lse(const Args& a, const T* S, const T* na, const T* nb, std::int64_t n, std::int64_t n0,
                      std::int64_t m, T sigma) {
    const std::int64_t cols = a.M * a.J;
    const T A = a.a[0], B = a.b[0];
    T mx = d_neg_inf<T>(), sum = 0;
    for (std::int64_t k = 0; k < a.K; ++k)
        for (std::int64_t j = 0; j < a.J; ++j) {
            const std::int64_t row = (n - n0) * a.K + k, col = m * a.J + j;
            const T d = distance(S[row * cols + col], na[n * a.K + k], nb[col]);
            const T x = log_sigmoid(T(2) * sigma * (-A * d + B));
            if (x > mx) {
                sum = sum * d_exp(mx - x) + T(1);
                mx = x;
            } else {
                sum += d_exp(x - mx);
            }
        }
    return mx + d_log(sum);
}

template <class T, class Args>
__device__ __forceinline__ T pair_sigma(const Args& a, std::int64_t n, std::int64_t m) {
    return (a.positive == nullptr || a.positive[n * a.M + m] != T(0)) ? T(1) : T(-1);
}

/// Forward epilogue: a thread per pair (n, m) of items n0 <= n < n1.
template <class T>
__global__ void pair_fwd_kernel(MatchLogProbArgs<T> a, const T* S, const T* na, const T* nb, std::int64_t n0,
                                std::int64_t n1) {
    const std::int64_t total = (n1 - n0) * a.M, stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    const T log_kj = d_log(static_cast<T>(a.K * a.J));
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
        const std::int64_t n = n0 + i / a.M, m = i % a.M;
        a.out[n * a.M + m] = pair_lse(a, S, na, nb, n, n0, m, pair_sigma<T>(a, n, m)) - log_kj;
    }
}

/// Backward epilogue: a thread per pair overwrites its K x J entries of S with c = -a g / d and writes its
/// partial sums of g d and g.
template <class T>
__global__ void pair_bwd_kernel(MatchLogProbBwdArgs<T> a, T* S, const T* na, const T* nb, std::int64_t n0,
                                std::int64_t n1, T* part_gd, T* part_gs) {
    const std::int64_t total = (n1 - n0) * a.M, stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    const std::int64_t cols = a.M * a.J;
    const T A = a.a[0], B = a.b[0];
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
        const std::int64_t n = n0 + i / a.M, m = i % a.M;
        const T sigma = pair_sigma<T>(a, n, m);
        const T lse = pair_lse(a, S, na, nb, n, n0, m, sigma), g0 = a.dout[n * a.M + m];
        T gd = 0, gs = 0;
        for (std::int64_t k = 0; k < a.K; ++k)
            for (std::int64_t j = 0; j < a.J; ++j) {
                const std::int64_t row = (n - n0) * a.K + k, col = m * a.J + j;
                T& e = S[row * cols + col];
                const T d = distance(e, na[n * a.K + k], nb[col]), s = -A * d + B;
                const T w = d_exp(log_sigmoid(T(2) * sigma * s) - lse);
                const T g = g0 * T(2) * sigma * w * d_exp(log_sigmoid(-T(2) * sigma * s));
                gd += g * d;
                gs += g;
                e = -A * g / d;
            }
        part_gd[n * a.M + m] = gd;
        part_gs[n * a.M + m] = gs;
    }
}

/// da = -sum gd, db = sum gs over the n pairs; one block.
template <class T>
__global__ void scalar_grads_kernel(const T* part_gd, const T* part_gs, std::int64_t n, T* da, T* db) {
    __shared__ T scratch[32];
    T gd = 0, gs = 0;
    for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) gd += part_gd[i], gs += part_gs[i];
    gd = block_allreduce(gd, SumOp{}, T(0), scratch);
    gs = block_allreduce(gs, SumOp{}, T(0), scratch);
    if (threadIdx.x == 0) da[0] = -gd, db[0] = gs;
}

inline unsigned row_grid(std::int64_t rows) {
    return static_cast<unsigned>(rows < 1 ? 1 : (rows > 65535 ? 65535 : rows));
}

/// Items of za per block, so that a block's rows of distances fit kScratchBytes (at least one item).
template <class T>
std::int64_t items_per_block(std::int64_t N, std::int64_t K, std::int64_t cols) {
    const std::int64_t per_item = K * cols * static_cast<std::int64_t>(sizeof(T));
    const std::int64_t fit = kScratchBytes / (per_item > 0 ? per_item : 1);
    return fit < 1 ? 1 : (fit > N ? N : fit);
}

/// S (rows, M J) = -2 za[n0:n1] zb^T.
template <class T>
void inner_products(const T* za, const T* zb, std::int64_t n0, std::int64_t n1, std::int64_t K, std::int64_t cols,
                    std::int64_t D, T* S) {
    const std::int64_t rows = (n1 - n0) * K;
    gemm<T>(GemmArgs<T>{false, true, rows, cols, D, T(-2), za + n0 * K * D, D, 0, zb, D, 0, T(0), S, cols, 0, 1});
}

}  // namespace match_log_prob_detail

template <class T>
void match_log_prob_fwd(const MatchLogProbArgs<T>& a) {
    using namespace match_log_prob_detail;
    if (a.N == 0 || a.M == 0) return;
    const std::int64_t NK = a.N * a.K, cols = a.M * a.J, per = items_per_block<T>(a.N, a.K, cols);
    const Scratch scratch(this_device(), sizeof(T) * static_cast<std::size_t>(NK + cols + per * a.K * cols));
    T* na = scratch.as<T>();
    T* nb = na + NK;
    T* S = nb + cols;
    IMRAM_LAUNCH(sq_norms_kernel<T>, row_grid(NK), kRowThreads, 0, a.za, NK, a.D, na);
    IMRAM_LAUNCH(sq_norms_kernel<T>, row_grid(cols), kRowThreads, 0, a.zb, cols, a.D, nb);
    for (std::int64_t n0 = 0; n0 < a.N; n0 += per) {
        const std::int64_t n1 = n0 + per < a.N ? n0 + per : a.N;
        inner_products(a.za, a.zb, n0, n1, a.K, cols, a.D, S);
        IMRAM_LAUNCH(pair_fwd_kernel<T>, grid_for((n1 - n0) * a.M), kThreads, 0, a, static_cast<const T*>(S),
                     static_cast<const T*>(na), static_cast<const T*>(nb), n0, n1);
    }
}

template <class T>
void match_log_prob_bwd(const MatchLogProbBwdArgs<T>& a) {
    using namespace match_log_prob_detail;
    const std::int64_t NK = a.N * a.K, cols = a.M * a.J, D = a.D;
    if (NK == 0 || cols == 0) {
        // No pairs: every gradient is zero.
        if (NK > 0) gpu::zero(a.dza, this_device(), sizeof(T) * static_cast<std::size_t>(NK * D));
        if (cols > 0) gpu::zero(a.dzb, this_device(), sizeof(T) * static_cast<std::size_t>(cols * D));
        gpu::zero(a.da, this_device(), sizeof(T));
        gpu::zero(a.db, this_device(), sizeof(T));
        return;
    }
    const std::int64_t per = items_per_block<T>(a.N, a.K, cols), pairs = a.N * a.M;
    // Layout: na (N K), nb (M J), rowsum (per K), colsum (M J), gd and gs partials (N M each), S.
    const std::int64_t elems = NK + cols + per * a.K + cols + 2 * pairs + per * a.K * cols;
    const Scratch scratch(this_device(), sizeof(T) * static_cast<std::size_t>(elems));
    T* na = scratch.as<T>();
    T* nb = na + NK;
    T* rs = nb + cols;
    T* cs = rs + per * a.K;
    T* part_gd = cs + cols;
    T* part_gs = part_gd + pairs;
    T* S = part_gs + pairs;
    IMRAM_LAUNCH(sq_norms_kernel<T>, row_grid(NK), kRowThreads, 0, a.za, NK, D, na);
    IMRAM_LAUNCH(sq_norms_kernel<T>, row_grid(cols), kRowThreads, 0, a.zb, cols, D, nb);
    for (std::int64_t n0 = 0; n0 < a.N; n0 += per) {
        const std::int64_t n1 = n0 + per < a.N ? n0 + per : a.N, rows = (n1 - n0) * a.K;
        const bool first = n0 == 0;
        inner_products(a.za, a.zb, n0, n1, a.K, cols, D, S);
        IMRAM_LAUNCH(pair_bwd_kernel<T>, grid_for((n1 - n0) * a.M), kThreads, 0, a, S, static_cast<const T*>(na),
                     static_cast<const T*>(nb), n0, n1, part_gd, part_gs);
        // dza rows of this block: -C zb, then + rowsum(c) za.
        gemm<T>(GemmArgs<T>{false, false, rows, D, cols, T(-1), S, cols, 0, a.zb, D, 0, T(0), a.dza + n0 * a.K * D, D,
                            0, 1});
        IMRAM_LAUNCH(row_sums_kernel<T>, row_grid(rows), kRowThreads, 0, static_cast<const T*>(S), rows, cols, rs);
        IMRAM_LAUNCH(add_scaled_rows_kernel<T>, grid_for(rows * D), kThreads, 0, a.dza + n0 * a.K * D,
                     static_cast<const T*>(rs), a.za + n0 * a.K * D, rows, D);
        // dzb accumulates -C^T za over the blocks; colsum(c) too, added once at the end.
        gemm<T>(GemmArgs<T>{true, false, cols, D, rows, T(-1), S, cols, 0, a.za + n0 * a.K * D, D, 0,
                            first ? T(0) : T(1), a.dzb, D, 0, 1});
        IMRAM_LAUNCH(col_sums_kernel<T>, grid_for(cols), kThreads, 0, static_cast<const T*>(S), rows, cols, cs, !first);
    }
    IMRAM_LAUNCH(add_scaled_rows_kernel<T>, grid_for(cols * D), kThreads, 0, a.dzb, static_cast<const T*>(cs), a.zb,
                 cols, D);
    IMRAM_LAUNCH(scalar_grads_kernel<T>, 1, kRowThreads, 0, static_cast<const T*>(part_gd),
                 static_cast<const T*>(part_gs), pairs, a.da, a.db);
}

template void match_log_prob_fwd(const MatchLogProbArgs<float>&);
template void match_log_prob_fwd(const MatchLogProbArgs<double>&);
template void match_log_prob_bwd(const MatchLogProbBwdArgs<float>&);
template void match_log_prob_bwd(const MatchLogProbBwdArgs<double>&);

}  // namespace imram::IMRAM_CUDA_NS
