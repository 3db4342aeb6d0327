// SPDX-License-Identifier: MIT
// The emulated cuBLAS GEMM honours cuBLAS's column-major conventions, checked against plain loops
// written here in column-major terms, and rejects what cuBLAS rejects.
#include <catch2/catch.hpp>

#include "core/rng.h"
#include "kernels/cuda/blas.h"
#include "kernels/cuda/memory.h"

using namespace imram;
using Op = blas_detail::Op;

namespace {
struct DevBuf {
    explicit DevBuf(const std::vector<double>& h) : bytes(h.size() * sizeof(double)) {
        p = static_cast<double*>(gpu::alloc(Device::cuda_emulated(), bytes));
        gpu::copy(p, Device::cuda_emulated(), h.data(), Device::cpu(), bytes);
    }
    ~DevBuf() { gpu::release(Device::cuda_emulated(), p, bytes); }
    std::vector<double> host() const {
        std::vector<double> h(bytes / sizeof(double));
        gpu::copy(h.data(), Device::cpu(), p, Device::cuda_emulated(), bytes);
        return h;
    }
    double* p;
    std::size_t bytes;
};
std::vector<double> random_vec(std::size_t n, std::uint64_t seed) {
    Philox r(seed, 0);
    std::vector<double> v(n);
    for (auto& x : v) x = std::round(8 * r.uniform() - 4);  // small integers: exact products
    return v;
}
}  // namespace

TEST_CASE("emulated cublas gemm: transposes, leading dimensions, strides, alpha and beta", "[gpu]") {
    const int m = 5, n = 4, k = 3, batch = 2;
    for (Op ta : {Op::N, Op::T})
        for (Op tb : {Op::N, Op::T}) {
            const int a_rows = ta == Op::N ? m : k, a_cols = ta == Op::N ? k : m;
            const int b_rows = tb == Op::N ? k : n, b_cols = tb == Op::N ? n : k;
            const int lda = a_rows + 2, ldb = b_rows + 1, ldc = m + 3;
            const long long sa = lda * a_cols + 5, sb = ldb * b_cols, sc = ldc * n + 1;
            const auto A = random_vec(sa * batch, 1), B = random_vec(sb * batch, 2), C0 = random_vec(sc * batch, 3);
            DevBuf dA(A), dB(B), dC(C0);
            cuda_emu::blas::gemm_strided_batched<double>(ta, tb, m, n, k, 2.0, dA.p, lda, sa, dB.p, ldb, sb, -1.0,
                                                         dC.p, ldc, sc, batch);
            const auto C = dC.host();
            for (int b = 0; b < batch; ++b)
                for (int j = 0; j < ldc * n + 1 && b * sc + j < static_cast<long long>(C.size()); ++j) {
                    const int i = j % ldc, col = j / ldc;
                    double want = C0[b * sc + j];  // padding rows and the gap between batches: untouched
                    if (i < m && col < n) {
                        double acc = 0;
                        for (int l = 0; l < k; ++l) {
                            const double av = ta == Op::N ? A[b * sa + i + l * lda] : A[b * sa + l + i * lda];
                            const double bv = tb == Op::N ? B[b * sb + l + col * ldb] : B[b * sb + col + l * ldb];
                            acc += av * bv;
                        }
                        want = 2.0 * acc - C0[b * sc + j];
                    }
                    INFO("ta " << int(ta) << " tb " << int(tb) << " batch " << b << " element " << j);
                    REQUIRE(C[b * sc + j] == want);
                }
        }
}

TEST_CASE("emulated cublas gemm: beta 0 never reads C; invalid arguments are refused", "[gpu][errors]") {
    std::vector<double> nan_c(6, std::nan("")), ones(6, 1.0);
    DevBuf A(ones), B(ones), C(nan_c);
    cuda_emu::blas::gemm_strided_batched<double>(Op::N, Op::N, 2, 3, 2, 1.0, A.p, 2, 0, B.p, 2, 0, 0.0, C.p, 2, 0, 1);
    for (double c : C.host()) CHECK(c == 2.0);
    CHECK_THROWS_WITH(cuda_emu::blas::gemm_strided_batched<double>(Op::N, Op::N, 3, 2, 2, 1.0, A.p, 2, 0, B.p, 2, 0,
                                                                   0.0, C.p, 3, 0, 1),
                      Catch::Contains("lda=2 < 3"));
    CHECK_THROWS_WITH(cuda_emu::blas::gemm_strided_batched<double>(Op::N, Op::N, 2, 3, 2, 1.0, A.p, 2, 0, ones.data(),
                                                                   2, 0, 0.0, C.p, 2, 0, 1),
                      Catch::Contains("operand B"));
}
