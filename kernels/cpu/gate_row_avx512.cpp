// SPDX-License-Identifier: MIT
// The memory unit's gate row (kernels/cpu/gate_row.h) with AVX-512, 16 floats a step, the tail under a
// mask. Compiled for the baseline with AVX-512 enabled per function, and called only where the CPU
// has it. No Eigen here: its templates would be compiled for AVX-512 in this file and could be picked
// by the linker for the rest of the program.
//
// exp: x = n ln2 + r with |r| <= ln2 / 2 (ln2 in two parts), exp(r) by Cephes' degree-6 polynomial for
// expf, times 2^n; inputs clamped to [-88, 88] (sigmoid saturates long before). tanh: a rational
// function (below). Both within a few float ulps of the exact values (tests/kernels/cpu/test_gate_row.cpp).
#include "kernels/cpu/x86_intrinsics.h"  // <immintrin.h> behind GCC 12's false-positive fence
#include "kernels/cpu/gate_row.h"

#define IMRAM_AVX512 __attribute__((target("avx512f,avx512dq")))

namespace imram::cpu {
namespace {

IMRAM_AVX512 inline __m512 exp16(__m512 x) {
    x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(88.0f)), _mm512_set1_ps(-88.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);  // x - n ln2, ln2 = C1 + C2
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    const __m512 r2 = _mm512_mul_ps(r, r);
    const __m512 e = _mm512_add_ps(_mm512_fmadd_ps(p, r2, r), _mm512_set1_ps(1.0f));  // 1 + r + r^2 p(r)
    return _mm512_scalef_ps(e, n);                                                     // e 2^n
}

IMRAM_AVX512 inline __m512 sigmoid16(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_div_ps(one, _mm512_add_ps(one, exp16(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

// tanh as an odd rational function x P(x^2) / Q(x^2) (degrees 13 and 6) of x clamped to +-7.99881172
// (beyond it tanh rounds to +-1 in float), and x itself where |x| < 4e-4 (tanh x rounds to x): the
// approximation Eigen's packet tanh uses on FMA machines, so the AVX-512 kernel and the portable one
// compute the same function. 17 instructions and one division, against about twice that for a
// polynomial and an exp side by side.
IMRAM_AVX512 inline __m512 tanh16(__m512 x) {
    const __m512 c = _mm512_set1_ps(7.99881172180175781f);
    const __m512 xc = _mm512_max_ps(_mm512_min_ps(x, c), _mm512_sub_ps(_mm512_setzero_ps(), c));
    const __m512 x2 = _mm512_mul_ps(xc, xc);
    __m512 p = _mm512_set1_ps(-2.76076847742355e-16f);
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(2.00018790482477e-13f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-8.60467152213735e-11f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(5.12229709037114e-08f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(1.48572235717979e-05f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(6.37261928875436e-04f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(4.89352455891786e-03f));
    p = _mm512_mul_ps(p, xc);
    __m512 q = _mm512_set1_ps(1.19825839466702e-06f);
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(1.18534705686654e-04f));
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(2.26843463243900e-03f));
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(4.89352518554385e-03f));
    const __m512 sign_mask = _mm512_castsi512_ps(_mm512_set1_epi32(static_cast<int>(0x80000000u)));
    const __mmask16 tiny = _mm512_cmp_ps_mask(_mm512_andnot_ps(sign_mask, x), _mm512_set1_ps(0.0004f), _CMP_LT_OQ);
    return _mm512_mask_blend_ps(tiny, _mm512_div_ps(p, q), x);
}

}  // namespace

IMRAM_AVX512 void gate_row_avx512(float* out, const float* q_in, const float* pre, const float* add, std::int64_t D,
                                  bool normalize) {
    __m512 sq = _mm512_setzero_ps();
    for (std::int64_t d = 0; d < D; d += 16) {
        const __mmask16 m = D - d >= 16 ? static_cast<__mmask16>(0xffff)
                                        : static_cast<__mmask16>((1u << static_cast<unsigned>(D - d)) - 1u);
        const __m512 po = _mm512_add_ps(_mm512_maskz_loadu_ps(m, pre + d), _mm512_maskz_loadu_ps(m, add + d));
        const __m512 pg = _mm512_add_ps(_mm512_maskz_loadu_ps(m, pre + D + d), _mm512_maskz_loadu_ps(m, add + D + d));
        const __m512 o = tanh16(po), g = sigmoid16(pg);
        const __m512 q = _mm512_maskz_loadu_ps(m, q_in + d);
        const __m512 y = _mm512_fmadd_ps(g, _mm512_sub_ps(q, o), o);  // g q + (1 - g) o
        _mm512_mask_storeu_ps(out + d, m, y);
        sq = _mm512_fmadd_ps(y, y, sq);
    }
    if (!normalize) return;
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, sq);
    double total = 0;
    for (float v : lanes) total += v;
    const float scale = static_cast<float>(1.0 / (__builtin_sqrt(total) + 1e-8));
    const __m512 s = _mm512_set1_ps(scale);
    for (std::int64_t d = 0; d < D; d += 16) {
        const __mmask16 m = D - d >= 16 ? static_cast<__mmask16>(0xffff)
                                        : static_cast<__mmask16>((1u << static_cast<unsigned>(D - d)) - 1u);
        _mm512_mask_storeu_ps(out + d, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, out + d), s));
    }
}

}  // namespace imram::cpu
