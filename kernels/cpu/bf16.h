// SPDX-License-Identifier: MIT
// bf16 products with fp32 accumulation, where the CPU does them at bf16 speed (AVX-512 BF16 or AMX),
// through oneDNN's matmul (docs/PERFORMANCE.md, "bf16").
//
// The process-wide GEMM precision (set_gemm_precision) makes the large products of a layer's weights
// with activations on the CPU backend (GemmArgs::weight_product: `linear` without the tape, the
// fused scorers' memory-unit projections) round their two inputs to bf16, multiply them exactly and
// accumulate in fp32. Everything else stays fp32: products of two activations (attention logits,
// similarities: what ranks the gallery), softmax, norms, element-wise maths, small products, double,
// and anything a tape records. Evaluation, encoding and search may use it (`--precision bf16`), and
// training's no-tape scoring of the negatives (`--bf16_mining`).
//
// A second setting, the tape precision (set_tape_gemm_precision), does the same for the products a
// training tape records (GemmArgs::taped): `linear`'s forward and its two backward products, dX = dY W
// and dW = dY^T X, the mixed precision of other trainers (fp32 master weights, gradients summed and
// the optimizer run in fp32; `--bf16_tape`). The recurrent products of gru_sequence stay fp32.
// An approximation: each rounded input keeps 8 significant bits (a relative error of up to 2^-9), not
// 24.
#pragma once

#include <cstdint>
#include <memory>

namespace imram::cpu {

/// A bf16 number: the upper 16 bits of a float.
using bf16_t = std::uint16_t;

/// out[i] = x[i] rounded to the nearest bf16 (ties to even); infinities stay, NaN stays NaN.
void to_bf16(const float* x, std::int64_t n, bf16_t* out);

/// The float a bf16 stands for (exact).
float from_bf16(bf16_t b);

enum class GemmPrecision { F32, BF16 };

/// True when this build and CPU run bf16 products at bf16 speed: oneDNN is the GEMM library and
/// dispatches to AVX-512 BF16 or AMX.
bool bf16_available();

/// Sets the precision of large float products for the rest of the process and returns the one in
/// effect: F32 when BF16 is asked for but bf16_available() is false (the caller tells the user).
/// Not to be called while products run on other threads.
GemmPrecision set_gemm_precision(GemmPrecision p);

/// The precision in effect (F32 unless set_gemm_precision(BF16) succeeded).
GemmPrecision gemm_precision();

/// As set_gemm_precision for the weight products a tape records (GemmArgs::taped).
GemmPrecision set_tape_gemm_precision(GemmPrecision p);

/// The tape's precision in effect (F32 unless set_tape_gemm_precision(BF16) succeeded).
GemmPrecision tape_gemm_precision();

/// Products at least this many multiply-adds go to bf16 in BF16 precision; smaller ones stay fp32
/// (the rounding of the inputs would cost accuracy and buy no time there).
inline constexpr std::int64_t kBf16MinWork = std::int64_t{1} << 20;

/// Row-major C (M, N) = alpha op(A) op(B) + beta C with bf16 A and B, fp32 accumulation and C, as
/// blas_gemm (kernels/cpu/blas.h). beta == 0 never reads C. Needs bf16_available(); throws otherwise.
/// Runs on the calling thread inside a parallel region; threaded by oneDNN outside one.
void gemm_bf16(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const bf16_t* A,
               std::int64_t lda, const bf16_t* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc);

/// As gemm_bf16 with float A rounded to bf16 on the way (B already bf16: weights converted once).
void gemm_bf16_a(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const float* A,
                 std::int64_t lda, const bf16_t* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc);

/// As gemm_bf16 with both inputs float, rounded to bf16 on the way (what cpu::gemm runs for a weight
/// product of at least kBf16MinWork in BF16 precision).
void gemm_bf16_ab(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const float* A,
                  std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc);

/// A weight B (K, N) rounded to bf16 once and stored in the blocked layout oneDNN's bf16 matmul reads
/// directly. A product with a plain row-major B repacks B on every call: for the fused scorer's
/// per-pair projections (1152 x 1024 x 2048 on one thread, AMX) that repacking is a quarter of the
/// time (docs/PERFORMANCE.md, "bf16"). Made once per scorer call; holds the plain bf16 copy too, for
/// a product whose primitive would want another layout. Empty (default) where bf16 is not available.
class Bf16PackedWeight {
public:
    Bf16PackedWeight() = default;
    /// Rounds B (K, N, leading dimension ldb) to bf16 and packs it; needs bf16_available().
    Bf16PackedWeight(const float* B, std::int64_t K, std::int64_t N, std::int64_t ldb);
    bool empty() const { return impl_ == nullptr; }
    std::int64_t K() const { return K_; }
    std::int64_t N() const { return N_; }
    struct Impl;
    const Impl& impl() const { return *impl_; }

private:
    std::int64_t K_ = 0, N_ = 0;
    std::shared_ptr<const Impl> impl_;
};

/// Row-major C (M, N) = A (M, K) B + beta C, A float rounded to bf16 on the way, B packed; fp32
/// accumulation and C. Equal to gemm_bf16_a with B's plain bf16 values. Runs on the calling thread
/// inside a parallel region. Returns true when it read the packed layout, false when this shape's
/// primitive wanted another (oneDNN 2.6's blocked kernels need ldc == N) and the plain copy ran.
bool gemm_bf16_packed(std::int64_t M, const float* A, std::int64_t lda, const Bf16PackedWeight& B, float beta, float* C,
                      std::int64_t ldc);

}  // namespace imram::cpu
